/** Which progress display long work gets (`--progress`, `-q`); small, so the commands' options load no display code. */

export const PROGRESS_FLAGS = ['auto', 'tty', 'plain', 'quiet'] as const;
export type ProgressFlag = (typeof PROGRESS_FLAGS)[number];
export type ProgressMode = Exclude<ProgressFlag, 'auto'>;

/** `auto`: live lines when stderr is a terminal (not TERM=dumb) outside CI (CI set); plain lines otherwise. */
export function progressMode(
  flag: ProgressFlag,
  stderr: { isTTY?: boolean } = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): ProgressMode {
  if (flag !== 'auto') return flag;
  return stderr.isTTY && !env.CI && env.TERM !== 'dumb' ? 'tty' : 'plain';
}
