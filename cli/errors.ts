/**
 * Every typed error, and the exit-code table the README documents. Core modules throw these;
 * cli/main.ts prints `error: <message>` once and exits with `exitCode`. A message is one line that
 * names the file/field/event and the fix.
 */

/** The exit codes, one per kind of failure (README: "Exit codes"). */
export const EXIT = {
  ok: 0,
  /** A bug or an error nobody typed: the message is printed, DEMO_FLEET_DEBUG=1 adds the stack. */
  unexpected: 1,
  usage: 2,
  engine: 3,
  locked: 4,
  deploy: 5,
  build: 6,
  registry: 7,
  /** The tailnet's control server (Tailscale or headscale API) refused or failed a call. */
  control: 8,
  /** Nothing failed, but some events wait for a person: a login, or a tailnet setting to change. */
  attention: 9,
  /** `doctor` found something that would make `up` fail (each finding names it and the fix). */
  preflight: 10,
} as const;

export class FleetError extends Error {
  readonly exitCode: number;
  /** How the CLI labels the message (`error: …`); an outcome that is not a failure says so. */
  readonly label: string = 'error';
  constructor(message: string, exitCode: number = EXIT.unexpected) {
    super(message);
    this.name = 'FleetError';
    this.exitCode = exitCode;
  }
}

/** The user's input (fleet file, flags) is wrong. Nothing was changed. */
export class UsageError extends FleetError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

/** There is no fleet file at the path (init/the first add create one; everything else refuses). */
export class FleetFileMissingError extends UsageError {
  readonly file: string;
  constructor(file: string) {
    super(`${file}: no fleet file here (create one with \`demo-fleet init\` or \`demo-fleet add <event>\`, or pass --file)`);
    this.name = 'FleetFileMissingError';
    this.file = file;
  }
}

/** The Docker engine could not be reached or refused the request. */
export class EngineError extends FleetError {
  constructor(message: string) {
    super(message, EXIT.engine);
    this.name = 'EngineError';
  }
}

/** Another operator holds the deploy lock. */
export class LockedError extends FleetError {
  constructor(message: string) {
    super(message, EXIT.locked);
    this.name = 'LockedError';
  }
}

/** Some events did not converge (unhealthy, failed to start). The others did. */
export class DeployError extends FleetError {
  constructor(message: string) {
    super(message, EXIT.deploy);
    this.name = 'DeployError';
  }
}

/** Every event converged or waits for a person (login URL, HTTPS certificates, funnel attribute). */
export class NeedsPersonError extends FleetError {
  // Nothing failed: a login to open or a setting to change is the normal first run on a tailnet.
  override readonly label = 'attention';
  constructor(message: string) {
    super(message, EXIT.attention);
    this.name = 'NeedsPersonError';
  }
}

/** `doctor`: the checks found something that would make `up` fail; the findings were printed. */
export class PreflightError extends FleetError {
  constructor(message: string) {
    super(message, EXIT.preflight);
    this.name = 'PreflightError';
  }
}

/** The image build failed (the builder's own message). */
export class BuildError extends FleetError {
  constructor(message: string) {
    super(message, EXIT.build);
    this.name = 'BuildError';
  }
}

/** A registry refused a pull, a push or the credentials. */
export class RegistryError extends FleetError {
  constructor(message: string) {
    super(message, EXIT.registry);
    this.name = 'RegistryError';
  }
}

/** A Tailscale or headscale API call failed: the message names the server, the call and what to do. */
export class ControlServerError extends FleetError {
  /** HTTP status, or undefined for a network failure. */
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message, EXIT.control);
    this.name = 'ControlServerError';
    this.status = status;
  }
}

/**
 * An `errorDetail` item inside an engine's JSON-lines stream (build/pull/push answer HTTP 200 and
 * report failure in the stream). Internal: callers turn it into a BuildError or RegistryError.
 */
export class StreamFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamFailure';
  }
}
