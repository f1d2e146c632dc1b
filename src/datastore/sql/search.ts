/** The parsed `q` of a list request (api spec §3.3). */
export interface SearchQuery {
  /** From `tag:x` and `tags:a,b` words; a row matches when it has any of them. */
  tags: string[];
  /** The remaining words joined by spaces; all must match (full-text). Empty when none. */
  terms: string;
}

/** Split `q` on whitespace into tag words and search terms. */
export function parseSearch(q: string | undefined): SearchQuery {
  const tags: string[] = [];
  const terms: string[] = [];
  for (const word of (q ?? '').split(/\s+/)) {
    if (word === '') continue;
    if (word.startsWith('tag:')) {
      pushTags(tags, [word.slice('tag:'.length)]);
    } else if (word.startsWith('tags:')) {
      pushTags(tags, word.slice('tags:'.length).split(','));
    } else {
      terms.push(word);
    }
  }
  return { tags, terms: terms.join(' ') };
}

function pushTags(into: string[], tags: string[]): void {
  for (const tag of tags) {
    if (tag !== '' && !into.includes(tag)) into.push(tag);
  }
}
