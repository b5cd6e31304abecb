import { z } from 'zod'

/**
 * Typed errors every procedure may return. `data.fix` tells the user what to do; hosts print
 * `message` and `fix` on one line each and never a stack trace.
 */
const Fix = z.object({ fix: z.string() })
export const apiErrors = {
  DOCKER_UNAVAILABLE: { status: 503, message: 'Docker is not reachable', data: Fix },
  IMAGE_BUILD_FAILED: { status: 500, message: 'The stack image could not be built', data: Fix },
  PORT_IN_USE: { status: 409, message: 'A port is already in use', data: Fix },
  CONTAINER_UNHEALTHY: { status: 500, message: 'A container did not become healthy', data: Fix },
  JOB_NOT_FOUND: { status: 404, message: 'No such job', data: Fix },
  MIGRATION_FAILED: { status: 500, message: 'The database schema could not be brought up to date', data: Fix },
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is not reachable', data: Fix },
  UNAUTHENTICATED: { status: 401, message: 'Sign in first', data: Fix },
  FORBIDDEN: { status: 403, message: 'Your role does not allow this', data: Fix },
  LOGIN_FAILED: { status: 401, message: 'Wrong user name or password', data: Fix },
  ACCOUNT_LOCKED: { status: 423, message: 'The account is locked', data: Fix },
  INVALID_REQUEST: { status: 400, message: 'The request cannot be carried out', data: Fix }
} as const
export type ApiErrorCode = keyof typeof apiErrors
