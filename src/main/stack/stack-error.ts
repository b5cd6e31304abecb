import type { ApiErrorCode } from '../../shared/errors'

/** An error a user can act on: what went wrong, and how to fix it. Hosts print both, never a stack trace. */
export class StackError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly fix: string
  ) {
    super(message)
  }
}
