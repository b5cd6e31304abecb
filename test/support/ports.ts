/**
 * Test stacks use fixed ports so a failed run is easy to find; FDA_TEST_PORT_OFFSET (0–19) shifts
 * them so several checkouts on one machine can run their suites side by side.
 */
export const PORT_OFFSET = Number(process.env.FDA_TEST_PORT_OFFSET ?? 0)
if (!Number.isInteger(PORT_OFFSET) || PORT_OFFSET < 0 || PORT_OFFSET > 19) throw new Error('FDA_TEST_PORT_OFFSET must be an integer from 0 to 19')

/** Ports of one test stack: every base is 100 apart, and a stack uses base+o, base+20+o, base+40+o. */
export function stackPorts(base: number): { blue: number; green: number; pgbouncer: number } {
  return { blue: base + PORT_OFFSET, green: base + 20 + PORT_OFFSET, pgbouncer: base + 40 + PORT_OFFSET }
}
