/** How core reports progress of long work; the CLI prints it (ui/output.ts), tests collect it. */
export interface Reporter {
  /** A named step starts. */
  step: (name: string) => void;
  /** A line of progress inside a step. */
  progress: (line: string) => void;
  warn: (line: string) => void;
}
