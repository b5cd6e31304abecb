/**
 * Test stacks use fixed ports so a failed run is easy to find; FDA_TEST_PORT_OFFSET (an even number
 * below 10) shifts them so two checkouts on one machine can run their suites side by side.
 */
export const PORT_OFFSET = Number(process.env.FDA_TEST_PORT_OFFSET ?? 0)

export function stackPorts(base: number): { blue: number; green: number; pgbouncer: number } {
  return { blue: base + PORT_OFFSET, green: base + 1 + PORT_OFFSET, pgbouncer: base + 10 + PORT_OFFSET }
}
