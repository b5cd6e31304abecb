import { isContractProcedure } from '@orpc/contract'
import { contract } from '../../src/shared/contract'

/** Every procedure of the contract as a dotted path, e.g. "stack.up". */
export function procedurePaths(node: unknown = contract, prefix: string[] = []): string[][] {
  if (isContractProcedure(node)) return [prefix]
  return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) => procedurePaths(v, [...prefix, k]))
}
