/**
 * Typed errors. Core modules throw these; cli/main.ts prints `error: <message>` once and exits with
 * `exitCode`. The message is one line that names the field/file and the fix.
 */
export class FleetError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'FleetError';
    this.exitCode = exitCode;
  }
}

/** The user's input (fleet file, flags) is wrong. Nothing was changed. */
export class UsageError extends FleetError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** The Docker engine (or a registry) could not be reached or refused the request. */
export class EngineError extends FleetError {
  constructor(message: string) {
    super(message, 3);
    this.name = 'EngineError';
  }
}

/** Another operator holds the deploy lock. */
export class LockedError extends FleetError {
  constructor(message: string) {
    super(message, 4);
    this.name = 'LockedError';
  }
}

/** Some events did not converge (unhealthy, failed to start). The others did. */
export class DeployError extends FleetError {
  constructor(message: string) {
    super(message, 5);
    this.name = 'DeployError';
  }
}
