/** How core reports progress of long work; the CLI prints it (ui/output.ts, ui/progress.ts), tests collect it. */
export interface Reporter {
  /** A named step starts. */
  step: (name: string) => void;
  /** A line of progress inside a step. */
  progress: (line: string) => void;
  warn: (line: string) => void;
  /**
   * Optional: an event's state changed (up, down). Also reported as `progress` lines; a live display
   * shows one line per event from these instead.
   */
  event?: (e: EventProgress) => void;
  /** Optional: a line of the image build's log (kept, and shown only on failure, by a live display); else `progress`. */
  build?: (line: string) => void;
}

/** Where an event is: waiting its turn, being worked on, or finished (done, failed, needs a person, skipped). */
export type EventPhase = 'queued' | 'working' | 'done' | 'failed' | 'attention' | 'skipped';

export interface EventProgress {
  event: string;
  phase: EventPhase;
  /** What it does or did, e.g. "create", "waiting for the node …", "served https://…". */
  text: string;
}
