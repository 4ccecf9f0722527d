import { LOG_LIMITS } from './sandbox.protocol';

/**
 * The script that prepares a fresh context before a handler's code runs in it. It takes the two host
 * callbacks the worker put on the global object (`_cairnCall` sends a request to the host, `_cairnLog`
 * records a line) and the run's input (`_cairnInput`, JSON), keeps them in its closure and deletes the
 * globals, so the handler's code never holds anything of the host: its `items()` calls and `log()` lines
 * cross as strings. Replies come back through `__cairnReply`, which only resolves this run's own pending
 * calls. `__cairnEntry` runs the handler with its context and answers one JSON string: `{ok: true, value}`
 * or `{ok: false, error}`.
 *
 * The handler's code is a plain script that sets `module.exports` to a function, CommonJS style. It is
 * compiled followed by HANDLER_TRAILER, so that running it also starts the entry: one trip into the
 * isolate per run instead of two.
 */
export const BOOTSTRAP_SOURCE = `
(function () {
  'use strict';
  const g = globalThis;
  const send = g._cairnCall;
  const record = g._cairnLog;
  const inputText = g._cairnInput;
  delete g._cairnCall;
  delete g._cairnLog;
  delete g._cairnInput;
  // Nothing a handler needs, and ways around the memory accounting or to block the thread.
  delete g.WebAssembly;
  delete g.SharedArrayBuffer;
  delete g.Atomics;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const freeze = Object.freeze;
  const pending = new Map();
  let lastCall = 0;

  function hostCall(op, collection, args) {
    return new Promise((resolve, reject) => {
      const id = ++lastCall;
      pending.set(id, { resolve, reject });
      send(id, stringify({ op, collection, args }));
    });
  }

  Object.defineProperty(g, '__cairnReply', {
    value: function (id, ok, text) {
      const waiting = pending.get(id);
      if (!waiting) return;
      pending.delete(id);
      const value = parse(text);
      if (ok) return waiting.resolve(value);
      const error = new Error(value.message);
      error.status = value.status;
      error.code = value.code;
      waiting.reject(error);
    },
  });

  function items(collection) {
    if (typeof collection !== 'string' || collection === '') throw new TypeError('items() needs a collection name.');
    return freeze({
      readByQuery: (query) => hostCall('readByQuery', collection, [query === undefined ? {} : query]),
      readOne: (id, query) => hostCall('readOne', collection, [id, query === undefined ? {} : query]),
      createOne: (data) => hostCall('createOne', collection, [data]),
      updateOne: (id, data) => hostCall('updateOne', collection, [id, data]),
      deleteOne: (id) => hostCall('deleteOne', collection, [id]),
    });
  }

  function text(value) {
    if (typeof value === 'string') return value;
    try {
      const json = stringify(value);
      return json === undefined ? String(value) : json;
    } catch (e) {
      return String(value);
    }
  }

  // Built by concatenation: the handler may have replaced Array.prototype's methods in its context.
  function log() {
    let line = '';
    for (let i = 0; i < arguments.length; i++) line += (i > 0 ? ' ' : '') + text(arguments[i]);
    record(String(line).slice(0, ${LOG_LIMITS.lineLength}));
  }

  function describe(error) {
    try {
      if (error !== null && typeof error === 'object') {
        const status = typeof error.status === 'number' ? error.status : null;
        const message = typeof error.message === 'string' ? error.message : text(error);
        const name = typeof error.name === 'string' ? error.name : null;
        const code = typeof error.code === 'string' ? error.code : null;
        return { status, code, message: message.slice(0, 2000), name };
      }
      return { status: null, code: null, message: text(error).slice(0, 2000), name: null };
    } catch (e) {
      return { status: null, code: null, message: 'The handler threw a value that cannot be described.', name: null };
    }
  }

  const module = { exports: undefined };
  g.module = module;

  Object.defineProperty(g, '__cairnEntry', {
    value: async function () {
      const input = parse(inputText);
      const handler = module.exports;
      if (typeof handler !== 'function') {
        return stringify({ ok: false, error: { status: null, message: 'The handler must set module.exports to a function.', name: 'TypeError' } });
      }
      const ctx = freeze(Object.assign({}, input.ctx, { items, log }));
      let value;
      try {
        value = await handler(ctx);
      } catch (error) {
        return stringify({ ok: false, error: describe(error) });
      }
      try {
        return stringify({ ok: true, value: value === undefined ? null : value });
      } catch (error) {
        return stringify({ ok: false, error: { status: null, message: 'The handler answered a value that is not JSON: ' + describe(error).message, name: 'TypeError' } });
      }
    },
  });
})();
`;

/** What follows a handler's code in its compiled script: the run's entry, whose promise the script answers. */
export const HANDLER_TRAILER = '\n;__cairnEntry();\n';
