/**
 * The YAML editor: CodeMirror 6, loaded only on the editor page (its own lazy chunk). The
 * diagnostics are the server's (`/ui/api/validate`); no schema is shipped to the browser.
 */
import { autocompletion, type CompletionContext } from '@codemirror/autocomplete';
import { yaml } from '@codemirror/lang-yaml';
// Both come with the `codemirror` package (its own dependencies).
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { setDiagnostics, lintGutter, type Diagnostic as CmDiagnostic } from '@codemirror/lint';
import { EditorView, basicSetup } from 'codemirror';
import type { Diagnostic } from '../../../src/api/ui/editor.js';

/** Field names of the job format, offered as completions. */
const FIELDS = [
  'name',
  'description',
  'tags',
  'inputs',
  'secrets',
  'defaults',
  'tasks',
  'output',
  'webhooks',
  'autoDelete',
  'schedule',
  'cron',
  'run',
  'image',
  'cmd',
  'entrypoint',
  'env',
  'files',
  'queue',
  'var',
  'if',
  'timeout',
  'retry',
  'limit',
  'initialDelay',
  'scalingFactor',
  'limits',
  'cpus',
  'memory',
  'pre',
  'post',
  'sidecars',
  'mounts',
  'networks',
  'workdir',
  'priority',
  'parallel',
  'each',
  'list',
  'task',
  'concurrency',
  'allowFailures',
  'subjob',
  'detached',
  'registry',
  'probe',
  'gpus',
  'wait',
];

function completeField(context: CompletionContext) {
  const word = context.matchBefore(/^\s*(?:- )?[A-Za-z]*$/m);
  if (!word) return null;
  const start = word.text.search(/[A-Za-z]*$/) + word.from;
  if (start === context.pos && !context.explicit) return null;
  return { from: start, options: FIELDS.map((label) => ({ label, type: 'property', apply: `${label}: ` })) };
}

const theme = EditorView.theme({
  '&': { backgroundColor: 'var(--bg-input)', color: 'var(--fg)', height: '100%' },
  '.cm-content': { caretColor: 'var(--fg)', fontFamily: 'var(--mono)' },
  '.cm-gutters': {
    backgroundColor: 'var(--bg-soft)',
    color: 'var(--fg-muted)',
    borderRight: '1px solid var(--line)',
  },
  '.cm-activeLine': { backgroundColor: 'var(--bg-hover)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--bg-hover)' },
  '&.cm-focused .cm-cursor': { borderLeftColor: 'var(--fg)' },
  '.cm-tooltip': { backgroundColor: 'var(--bg)', color: 'var(--fg)', border: '1px solid var(--line)' },
});

/** Token colours from the theme's variables, so both themes keep a 4.5:1 contrast. */
const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: 'var(--ansi-blue)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--ansi-green)' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: 'var(--ansi-magenta)' },
  { tag: [tags.keyword, tags.meta, tags.labelName], color: 'var(--ansi-cyan)' },
  { tag: [tags.comment, tags.lineComment], color: 'var(--fg-muted)', fontStyle: 'italic' },
  { tag: tags.invalid, color: 'var(--ansi-red)' },
]);

export interface Editor {
  setDiagnostics(list: Diagnostic[]): void;
  setText(text: string): void;
  getText(): string;
  focus(): void;
  destroy(): void;
}

export function createEditor(parent: HTMLElement, text: string, onChange: (text: string) => void): Editor {
  const view = new EditorView({
    doc: text,
    parent,
    extensions: [
      basicSetup,
      yaml(),
      syntaxHighlighting(highlight),
      lintGutter(),
      autocompletion({ override: [completeField] }),
      theme,
      EditorView.contentAttributes.of({ 'aria-label': 'Job definition (YAML)' }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) onChange(update.state.doc.toString());
      }),
    ],
  });
  const offset = (line: number, col: number): number => {
    const doc = view.state.doc;
    const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
    return Math.min(l.from + Math.max(col - 1, 0), l.to);
  };
  return {
    setDiagnostics(list) {
      const doc = view.state.doc;
      const diagnostics: CmDiagnostic[] = list.map((d) => {
        const from = offset(d.line, d.col);
        let to = offset(d.endLine, d.endCol);
        // A point (a missing field): underline the rest of its line.
        if (to <= from) to = doc.lineAt(from).to;
        if (to <= from) to = Math.min(from + 1, doc.length);
        return {
          from,
          to,
          severity: 'error',
          message: d.path && d.path !== 'body' ? `${d.path}: ${d.message}` : d.message,
        };
      });
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    setText(next) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next } });
    },
    getText: () => view.state.doc.toString(),
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}
