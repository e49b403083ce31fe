/**
 * Finding things in the parsed fleet file for the text edits (edit.ts): the `events:` pair, one event's
 * pair, and what kind of node a value is. The yaml parser is used only to find where things are.
 */
import { type Document, isMap, isScalar, type Pair, parseDocument, type YAMLMap } from 'yaml';
import { UsageError } from '../errors.js';

export function parse(text: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new UsageError(`fleet file is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  return doc;
}

export function eventsNode(doc: Document): { pair?: Pair<unknown, unknown> } {
  if (doc.contents === null || !isMap(doc.contents)) return {};
  const pair = doc.contents.items.find((p) => keyName(p) === 'events');
  if (pair && !isEmptyValue(pair.value) && !isMap(pair.value)) {
    throw new UsageError(`fleet file: "events" must be a map of event name → settings`);
  }
  return { pair };
}

function keyName(pair: Pair<unknown, unknown>): string {
  return String(isScalar(pair.key) ? pair.key.value : pair.key);
}

export function findPair(map: unknown, name: string): Pair<unknown, unknown> | undefined {
  return isMap(map) ? map.items.find((p) => keyName(p) === name) : undefined;
}

export function isBlockMap(node: unknown): node is YAMLMap {
  return isMap(node) && !node.flow && node.range !== undefined && node.range !== null;
}

export function isEmptyValue(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null) || (isMap(node) && node.items.length === 0);
}
