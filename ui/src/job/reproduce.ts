/**
 * "Copy reproduce command" (UI.md §7): a shell command that runs one task by hand, the way the
 * worker ran it. Secrets (shown redacted) become `$NAME` placeholders. Pure.
 */

export interface TaskWire {
  name?: string;
  run?: string;
  image?: string;
  cmd?: string[];
  entrypoint?: string[];
  env?: Record<string, string>;
  workdir?: string;
  mounts?: { type: string; source?: string; target?: string }[];
  limits?: { cpus?: string; memory?: string };
}

const REDACTED = '[REDACTED]';

export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function envPairs(env: Record<string, string> | undefined, flag: string): string[] {
  return Object.entries(env ?? {}).map(([key, value]) =>
    value.includes(REDACTED) ? `${flag}${key}="$${key}"` : `${flag}${key}=${shellQuote(value)}`,
  );
}

export function reproduceCommand(task: TaskWire): string {
  const script = task.run ?? '';
  if (task.image) {
    const parts = ['docker run --rm'];
    parts.push(...envPairs(task.env, '-e '));
    for (const m of task.mounts ?? []) {
      if (m.type === 'bind' && m.source && m.target)
        parts.push(`-v ${shellQuote(`${m.source}:${m.target}`)}`);
      else if (m.target)
        parts.push(
          `--mount ${shellQuote(`type=${m.type === 'tmpfs' ? 'tmpfs' : 'volume'},target=${m.target}`)}`,
        );
    }
    if (task.limits?.cpus) parts.push(`--cpus ${shellQuote(task.limits.cpus)}`);
    if (task.limits?.memory) parts.push(`--memory ${shellQuote(task.limits.memory)}`);
    if (task.workdir) parts.push(`-w ${shellQuote(task.workdir)}`);
    if (task.entrypoint?.length) parts.push(`--entrypoint ${shellQuote(task.entrypoint[0]!)}`);
    parts.push(shellQuote(task.image));
    if (script) parts.push(`sh -c ${shellQuote(script)}`);
    else if (task.cmd?.length) parts.push(...task.cmd.map(shellQuote));
    return parts.join(' \\\n  ');
  }
  const env = envPairs(task.env, '');
  const head = env.length ? `env ${env.join(' ')} ` : '';
  const dir = task.workdir ? `cd ${shellQuote(task.workdir)} && ` : '';
  return `${dir}${head}bash -c ${shellQuote(script)}`;
}
