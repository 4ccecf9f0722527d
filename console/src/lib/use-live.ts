import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { liveSocket, type LiveEvent, type LiveQuery, type LiveStatus } from '../api/realtime';
import type { Item } from '../api/types';
import { applyDelete, applyUpdate } from './live-rows';

/** How long a row or field changed by someone else stays highlighted. */
export const FLASH_MS = 2_000;

export function useLiveStatus(ws: string): LiveStatus {
  const socket = liveSocket(ws);
  const subscribe = useCallback((listener: () => void) => socket.onStatus(listener), [socket]);
  return useSyncExternalStore(subscribe, () => socket.status);
}

/** Keys highlighted for a moment after a change; `flash` adds some. */
export function useFlash(): [Set<string>, (keys: string[]) => void] {
  const [flashing, setFlashing] = useState<Set<string>>(() => new Set());
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  useEffect(() => () => timers.current.forEach(clearTimeout), []);
  const flash = useCallback((keys: string[]) => {
    if (keys.length === 0) return;
    setFlashing((current) => new Set([...current, ...keys]));
    const timer = setTimeout(() => {
      timers.current.delete(timer);
      setFlashing((current) => {
        const next = new Set(current);
        for (const key of keys) next.delete(key);
        return next;
      });
    }, FLASH_MS);
    timers.current.add(timer);
  }, []);
  return [flashing, flash];
}

/** Follows one subscription for as long as the component shows it and its arguments stay the same. */
export function useSubscription(ws: string, collection: string, query: LiveQuery | null, handler: (message: LiveEvent) => void, event?: 'create' | 'update' | 'delete'): void {
  const latest = useRef(handler);
  latest.current = handler;
  const key = query ? JSON.stringify(query) : null;
  useEffect(() => {
    if (key === null) return;
    return liveSocket(ws).subscribe(collection, JSON.parse(key) as LiveQuery, (message) => latest.current(message), event);
  }, [ws, collection, key, event]);
}

export interface LiveGridOptions {
  ws: string;
  collection: string;
  filter: unknown;
  search: string | undefined;
  sort: string[];
  /** The fields the view is sorted by: an update of one of them may move its row. */
  sortFields: string[];
  /** The pages in view now, whose rows' deletion the grid must hear of. */
  pages: number[];
  pageSize: number;
  onChanged: (keys: string[]) => void;
}

/**
 * Keeps the explorer's cached pages in step with the collection: updates are merged into the pages that
 * hold their rows at once; creates and deletes change counts and offsets, so the view's queries are read
 * again (deleted rows leave at once). The server tells of a deletion only to subscriptions that were sent
 * the row, so besides one subscription for every change of the view there is one per page in view.
 */
export function useLiveGrid({ ws, collection, filter, search, sort, sortFields, pages, pageSize, onChanged }: LiveGridOptions): void {
  const queryClient = useQueryClient();
  const prefix = ['w', ws, 'items', collection];
  const refetch = useCoalesced(() => {
    void queryClient.invalidateQueries({ queryKey: prefix });
    void queryClient.invalidateQueries({ queryKey: ['w', ws, 'row-counts'] });
  });
  const deleted = (keys: unknown[]) => {
    patchPages(queryClient, prefix, (page) => applyDelete(page, keys));
    refetch();
  };
  const handle = (message: LiveEvent) => {
    switch (message.event) {
      case 'init':
        if (message.resync) refetch();
        return;
      case 'create':
        onChanged(message.data.map((row) => String(row.id)));
        refetch();
        return;
      case 'update': {
        let moved = false;
        patchPages(queryClient, prefix, (page) => {
          const result = applyUpdate(page, message.data, sortFields);
          moved ||= result.moved;
          return result.page;
        });
        onChanged(message.data.map((row) => String(row.id)));
        if (moved) refetch();
        return;
      }
      case 'delete':
        deleted(message.data);
        return;
      case 'error':
        return;
    }
  };
  const view = { ...(filter ? { filter } : {}), ...(search ? { search } : {}) };
  useSubscription(ws, collection, { ...view, limit: 1 }, handle);
  const visible = useSettled(pages.join(','), 300);
  const onDeleted = useRef(deleted);
  onDeleted.current = deleted;
  const following = useRef(new Map<string, () => void>());
  const pageQuery = JSON.stringify({ ...view, sort: sort.length ? sort : undefined });
  useEffect(() => {
    // Each page in view keeps its subscription while it stays in view; pages that leave it are dropped.
    const wanted = new Map<string, number>(
      visible
        .split(',')
        .filter(Boolean)
        .map((page) => [`${collection}\n${pageQuery}\n${page}`, Number(page)] as const),
    );
    for (const [key, stop] of following.current) {
      if (wanted.has(key)) continue;
      stop();
      following.current.delete(key);
    }
    for (const [key, page] of wanted) {
      if (following.current.has(key)) continue;
      const query: LiveQuery = { ...(JSON.parse(pageQuery) as LiveQuery), fields: ['id'], limit: pageSize, offset: page * pageSize };
      following.current.set(key, liveSocket(ws).subscribe(collection, query, (message) => message.event === 'delete' && onDeleted.current(message.data), 'delete'));
    }
  }, [ws, collection, pageQuery, visible, pageSize]);
  useEffect(() => {
    const current = following.current;
    return () => {
      current.forEach((stop) => stop());
      current.clear();
    };
  }, [ws]);
}

/** Applies a change to every cached page of the collection (lists of rows; not its counts). */
function patchPages(queryClient: QueryClient, prefix: unknown[], change: (page: Item[]) => Item[]): void {
  queryClient.setQueriesData<unknown>({ queryKey: prefix }, (old: unknown) => (Array.isArray(old) ? change(old as Item[]) : old));
}

/** A value that follows another once it has stopped changing for a while (scrolling moves pages fast). */
function useSettled(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** A function that runs the work once for calls made close together (a burst of events reads once). */
function useCoalesced(work: () => void): () => void {
  const latest = useRef(work);
  latest.current = work;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      latest.current();
    }, 100);
  }, []);
}
