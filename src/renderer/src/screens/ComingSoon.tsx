export function ComingSoon({ title, what }: { title: string; what: string }): React.JSX.Element {
  return (
    <section>
      <h1>{title}</h1>
      <p className="notice" role="note">
        This screen is not available yet. It will hold {what}. Until then, the Status screen and the
        <code> fda-offline</code> command line show and control the stack.
      </p>
    </section>
  )
}
