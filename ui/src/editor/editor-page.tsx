/**
 * `/jobs/new` (`?from=<jobId>`, `?schedule=new`): write a job in YAML with the server's own
 * diagnostics, see its structure before it runs, then run it or schedule it.
 */
import { useEffect, useRef, useState } from 'react';
import type { CronPreview, Validation } from '../../../src/api/ui/editor.js';
import { definitionOf, hasRedacted } from '../lib/actions.js';
import { CSRF_HEADER, getJson, send } from '../lib/api.js';
import { navigate, useLocation } from '../lib/router.js';
import { useSettings } from '../lib/settings.js';
import { formatTime } from '../lib/format.js';
import { copyText, Dialog, ErrorNote, notify } from '../lib/ui.js';
import { Structure } from '../job/structure.js';
import type { Editor } from './codemirror.js';
import { toYaml } from './yaml-out.js';

const TEMPLATE = `name: my job
tasks:
  - name: say hello
    run: echo "hello from Drover"
  - name: count
    run: for i in 1 2 3; do echo "step $i"; sleep 1; done
  - name: done
    run: echo "all done"
`;

/** Put `schedule: {cron}` into a definition's text (replacing one that is there). */
export function withSchedule(text: string, cron: string): string {
  const body = text.replace(/^schedule:\n(?:[ \t]+.*\n?)*/m, '').replace(/\n*$/, '\n');
  return `${body}schedule:\n  cron: ${JSON.stringify(cron)}\n`;
}

function ScheduleDialog({ open, onClose, text }: { open: boolean; onClose: () => void; text: string }) {
  const [cron, setCron] = useState('0 2 * * *');
  const [preview, setPreview] = useState<CronPreview | undefined>();
  const { timeZone } = useSettings();
  useEffect(() => {
    if (!open) return;
    const timer = setTimeout(() => {
      void fetch('/ui/api/cron/preview', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...CSRF_HEADER },
        body: JSON.stringify({ cron, count: 5 }),
      })
        .then((r) => r.json() as Promise<CronPreview>)
        .then(setPreview, () => setPreview(undefined));
    }, 250);
    return () => clearTimeout(timer);
  }, [cron, open]);
  const create = async (): Promise<void> => {
    try {
      await send('POST', '/scheduled-jobs', withSchedule(text, cron), 'text/yaml');
      notify('Schedule created');
      navigate('/scheduled');
    } catch (err) {
      notify(err instanceof Error ? err.message : String(err), 'error');
    }
  };
  return (
    <Dialog open={open} title="Schedule this job" onClose={onClose}>
      <label className="field">
        Cron (5 fields, @hourly, @daily, @every 10m …)
        <input value={cron} onChange={(e) => setCron(e.target.value)} autoFocus />
      </label>
      <div role="status" className="cron-preview">
        {preview?.ok ? (
          <>
            <p>
              Runs <b>{preview.description}</b>. Next runs:
            </p>
            <ol className="next-runs">
              {preview.next.map((t) => (
                <li key={t}>{formatTime(t, timeZone)}</li>
              ))}
            </ol>
          </>
        ) : (
          <p className="error-text">{preview?.error ?? '…'}</p>
        )}
      </div>
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Back
        </button>
        <button type="button" className="primary" disabled={!preview?.ok} onClick={() => void create()}>
          Create schedule
        </button>
      </div>
    </Dialog>
  );
}

export default function EditorPage() {
  const { query } = useLocation();
  const from = query.get('from');
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<Editor | undefined>(undefined);
  const [text, setText] = useState<string | undefined>(from ? undefined : TEMPLATE);
  const [notice, setNotice] = useState<string | undefined>();
  const [result, setResult] = useState<Validation | undefined>();
  const [examples, setExamples] = useState<{ name: string; yaml: string }[]>([]);
  const [schedule, setSchedule] = useState(false);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    document.title = 'New job · Drover';
    void getJson<{ items: { name: string; yaml: string }[] }>('/ui/api/examples').then(
      (r) => setExamples(r.items),
      () => undefined,
    );
    if (!from) return;
    getJson<Record<string, unknown>>(`/jobs/${encodeURIComponent(from)}`).then((job) => {
      const definition = definitionOf(job);
      if (hasRedacted(definition))
        setNotice('Secret values are shown as [REDACTED]: enter them again before running.');
      setText(toYaml(definition));
    }, setError);
  }, [from]);

  // The editor is created once the text is known, from its own lazily loaded chunk.
  useEffect(() => {
    if (text === undefined || editor.current || !host.current) return;
    let cancelled = false;
    void import('./codemirror.js').then(({ createEditor }) => {
      if (cancelled || !host.current) return;
      editor.current = createEditor(host.current, text, setText);
    });
    return () => {
      cancelled = true;
    };
  }, [text]);
  useEffect(() => () => editor.current?.destroy(), []);

  // Diagnostics from the server's validator, 300 ms after the last keystroke.
  useEffect(() => {
    if (text === undefined) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      fetch('/ui/api/validate', {
        method: 'POST',
        body: text,
        headers: { 'content-type': 'text/yaml', ...CSRF_HEADER },
        signal: controller.signal,
      })
        .then((r) => r.json() as Promise<Validation>)
        .then((v) => {
          setResult(v);
          editor.current?.setDiagnostics(v.diagnostics);
        })
        .catch(() => undefined);
    }, 300);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text]);

  const run = async (): Promise<void> => {
    try {
      const job = await send<{ id: string }>(
        'POST',
        '/jobs',
        editor.current?.getText() ?? text ?? '',
        'text/yaml',
      );
      navigate(`/jobs/${job.id}`);
    } catch (err) {
      notify(err instanceof Error ? err.message : String(err), 'error');
    }
  };
  const curl = `curl -s -X POST ${window.location.origin}/jobs -H 'Content-Type: text/yaml' --data-binary @- <<'EOF'\n${text ?? ''}EOF`;
  const problems = result?.diagnostics ?? [];

  return (
    <section className="page editor-page">
      <div className="page-head">
        <h1>New job</h1>
        <label className="field inline">
          Example
          <select
            value=""
            onChange={(e) => {
              const example = examples.find((x) => x.name === e.target.value);
              if (!example) return;
              setText(example.yaml);
              editor.current?.setText(example.yaml);
            }}
          >
            <option value="">Choose…</option>
            {examples.map((x) => (
              <option key={x.name} value={x.name}>
                {x.name}
              </option>
            ))}
          </select>
        </label>
        <span className="spacer" />
        <button type="button" className="primary" disabled={!result?.ok} onClick={() => void run()}>
          Run
        </button>
        <button type="button" disabled={!result?.ok} onClick={() => setSchedule(true)}>
          Schedule…
        </button>
        <button type="button" onClick={() => void copyText(curl, 'curl command')}>
          Copy as curl
        </button>
      </div>
      <ErrorNote error={error} />
      {notice && <p className="notice">{notice}</p>}
      <div className="editor-grid">
        <div className="editor-host" ref={host}>
          {text === undefined && <p className="loading">Loading the definition…</p>}
        </div>
        <aside className="editor-side" aria-label="Check and preview">
          <h2>{result?.ok ? 'Valid' : 'Problems'}</h2>
          <div role="status" aria-live="polite">
            {!result && <p className="muted">Checking…</p>}
            {result && problems.length === 0 && <p className="ok-text">No problems: this job can run.</p>}
            {problems.length > 0 && (
              <ul className="diagnostics">
                {problems.map((d, i) => (
                  <li key={i}>
                    <span className="badge st-FAILED">
                      line {d.line}:{d.col}
                    </span>{' '}
                    {d.path && d.path !== 'body' && <code>{d.path}</code>} {d.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
          {result?.inputs && (
            <>
              <h3>Inputs</h3>
              <dl className="facts">
                {Object.entries(result.inputs).map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd>
                      {v === '[REDACTED]' ? <span className="secret">•••• set</span> : <code>{v}</code>}
                    </dd>
                  </div>
                ))}
              </dl>
            </>
          )}
          {result?.secrets && (
            <p className="muted">
              Secrets set:{' '}
              {result.secrets.map((s) => (
                <code key={s}>{s} </code>
              ))}
              (never shown)
            </p>
          )}
          {result?.preview && (
            <>
              <h3>Structure preview</h3>
              <Structure tree={result.preview} label="Structure preview" />
            </>
          )}
        </aside>
      </div>
      <ScheduleDialog
        open={schedule}
        onClose={() => setSchedule(false)}
        text={editor.current?.getText() ?? text ?? ''}
      />
    </section>
  );
}
