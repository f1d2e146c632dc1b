/** The job page's header (what ran, how it started, with what) and its failure banner. */
import { useState } from 'react';
import type { Failure, JobDetail } from '../../../src/api/ui/jobs.js';
import { cancelJob, curlFor, EXPLAIN, restartJob, runAgain } from '../lib/actions.js';
import { getJson } from '../lib/api.js';
import { Link, navigate } from '../lib/router.js';
import { attempt, Confirm, copyText, LiveDuration, RelTime, StateBadge } from '../lib/ui.js';
import { reproduceCommand, type TaskWire } from './reproduce.js';

export interface ParentRef {
  jobId: string;
  name: string;
  taskId?: string;
}

export async function copyReproduce(taskId: string): Promise<void> {
  const detail = await getJson<{ task: TaskWire }>(`/ui/api/tasks/${encodeURIComponent(taskId)}`);
  await copyText(reproduceCommand(detail.task), 'Reproduce command');
}

function Started({ job, parent }: { job: JobDetail; parent?: ParentRef }) {
  if (job.scheduleId) return <Link to={`/jobs?schedule=${job.scheduleId}`}>by a schedule</Link>;
  if (parent) {
    return (
      <>
        as a sub-job of{' '}
        <Link to={`/jobs/${parent.jobId}${parent.taskId ? `?task=${parent.taskId}` : ''}`}>
          {parent.name}
        </Link>
      </>
    );
  }
  return <>through the API</>;
}

export function JobHeader({ job, parent }: { job: JobDetail; parent?: ParentRef }) {
  const [confirm, setConfirm] = useState(false);
  const running = job.state === 'RUNNING' || job.state === 'SCHEDULED';
  const restartable = job.state === 'FAILED' || job.state === 'CANCELLED';
  return (
    <header className="job-header">
      <div className="job-title">
        <h1>{job.name || job.id}</h1>
        <StateBadge state={job.state} />
        {job.startedAt !== undefined && (
          <span className="muted">
            <LiveDuration start={job.startedAt} end={job.endedAt ?? (running ? undefined : job.startedAt)} />
          </span>
        )}
      </div>
      <dl className="facts">
        <div>
          <dt>Created</dt>
          <dd>
            <RelTime ms={job.createdAt} />
            {job.createdBy && ` by ${job.createdBy}`}, <Started job={job} parent={parent} />
          </dd>
        </div>
        {job.tags && (
          <div>
            <dt>Tags</dt>
            <dd>
              {job.tags.map((t) => (
                <Link key={t} className="tag" to={`/jobs?tag=${encodeURIComponent(t)}`}>
                  {t}
                </Link>
              ))}
            </dd>
          </div>
        )}
        {job.inputs && (
          <div>
            <dt>Inputs</dt>
            <dd className="kv">
              {Object.entries(job.inputs).map(([k, v]) => (
                <span key={k}>
                  <code>{k}</code>=
                  {v === '[REDACTED]' ? <span className="secret">•••• set</span> : <code>{v}</code>}
                </span>
              ))}
            </dd>
          </div>
        )}
        {job.secrets && (
          <div>
            <dt>Secrets</dt>
            <dd className="kv">
              {job.secrets.map((k) => (
                <span key={k}>
                  <code>{k}</code>=<span className="secret">•••• set</span>
                </span>
              ))}
            </dd>
          </div>
        )}
        {job.result && (
          <div>
            <dt>Result</dt>
            <dd>
              <code>{job.result}</code>
            </dd>
          </div>
        )}
      </dl>
      <div className="actions" role="group" aria-label="Job actions">
        {running && (
          <button type="button" className="danger" title={EXPLAIN.cancel} onClick={() => setConfirm(true)}>
            Cancel
          </button>
        )}
        {restartable && (
          <button
            type="button"
            title={EXPLAIN.restart}
            onClick={() => attempt(() => restartJob(job.id), 'Restart requested')}
          >
            Restart
          </button>
        )}
        <button type="button" title={EXPLAIN.runAgain} onClick={() => attempt(() => runAgain(job.id))}>
          Run again
        </button>
        <button type="button" title={EXPLAIN.editRun} onClick={() => navigate(`/jobs/new?from=${job.id}`)}>
          Edit &amp; run
        </button>
        <a className="button" href={`/ui/api/jobs/${job.id}/log/download`} download>
          Download logs
        </a>
        <button type="button" onClick={() => void copyText(curlFor(job.id), 'curl commands')}>
          Copy as curl
        </button>
      </div>
      <details className="explain">
        <summary>What do these buttons do?</summary>
        <ul>
          <li>
            <b>Cancel</b>: {EXPLAIN.cancel}
          </li>
          <li>
            <b>Restart</b>: {EXPLAIN.restart}
          </li>
          <li>
            <b>Run again</b>: {EXPLAIN.runAgain}
          </li>
          <li>
            <b>Edit &amp; run</b>: {EXPLAIN.editRun}
          </li>
        </ul>
      </details>
      <Confirm
        open={confirm}
        title={`Cancel "${job.name}"?`}
        body={
          <p>
            Its running processes and containers will be stopped. Tasks not started yet will not run. The log
            stays.
          </p>
        }
        confirm="Cancel the job"
        danger
        onConfirm={() => attempt(() => cancelJob(job.id), 'Cancel requested')}
        onClose={() => setConfirm(false)}
      />
    </header>
  );
}

export function FailureBanner({ jobId, failure }: { jobId: string; failure: Failure }) {
  const how = failure.killedBy
    ? `killed by ${failure.killedBy === 'oom' ? 'out of memory' : failure.killedBy}`
    : undefined;
  return (
    <section className="failure" aria-labelledby="failure-title">
      <h2 id="failure-title">
        Failed at <span className="path">{failure.path}</span>
      </h2>
      <p className="failure-error">
        {failure.error}
        {failure.exitCode !== undefined && (
          <span className="badge st-FAILED">exit code {failure.exitCode}</span>
        )}
        {how && <span className="badge st-CANCELLED">{how}</span>}
        {failure.nodeId && <span className="muted"> on node {failure.nodeId}</span>}
      </p>
      {failure.lines.length > 0 && (
        <pre className="failure-lines" aria-label="Last lines of the log">
          {failure.lines.map((l) => (
            <span key={l.line} className={l.line === failure.line ? 'hit' : undefined}>
              <span className="ln">{l.line}</span>
              {l.text}
              {'\n'}
            </span>
          ))}
        </pre>
      )}
      <div className="actions">
        <button
          type="button"
          className="primary"
          onClick={() =>
            navigate(`/jobs/${jobId}/logs?task=${failure.taskId}${failure.line ? `#L${failure.line}` : ''}`)
          }
        >
          Open log at failure
        </button>
        <button type="button" onClick={() => attempt(() => copyReproduce(failure.taskId))}>
          Copy reproduce command
        </button>
      </div>
    </section>
  );
}
