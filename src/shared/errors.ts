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
  JOB_NOT_FOUND: { status: 404, message: 'No such job', data: Fix }
} as const
export type ApiErrorCode = keyof typeof apiErrors
