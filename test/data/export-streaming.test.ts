import assert from 'node:assert/strict';
import { once } from 'node:events';
import { IncomingMessage, request } from 'node:http';
import { Readable } from 'node:stream';
import { before, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse as parseCsv } from 'csv-parse';
import { DataSource } from 'typeorm';
import { csvRecord } from '../../src/modules/data/transfer/csv.format';
import { jsonArrayElements } from '../../src/modules/data/transfer/json-array.reader';
import { tableNameFor } from '../../src/modules/schema/names';
import { describeEachDatabase, Suite } from '../support/app';
import { newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import { multipartBody } from '../support/uploads';

type Row = Record<string, unknown>;

const MB = 1024 * 1024;
const ROWS = 100_000;
/** Rows seeded through the import; the rest are written with SQL. */
const IMPORTED = 1000;
/**
 * Memory may grow this much while an export of some 45 MB is sent. Streamed, it holds a batch or two and
 * socket buffers (3 to 4 MB here); holding the rows or the text whole, it grows by 90 MB or more.
 */
const FLAT = 10 * MB;
/** Received bytes between memory samples. */
const SAMPLE_EVERY = 8 * MB;

const FIELDS = [
  { field: 'seq', type: 'integer', index: true },
  { field: 'name', type: 'string' },
  { field: 'note', type: 'text' },
  { field: 'amount', type: 'decimal', precision: 10, scale: 2 },
  { field: 'active', type: 'boolean' },
];
const COLUMNS = 'seq,name,note,amount,active';

const FILLER = 'lorem ipsum dolor sit amet, consectetur adipiscing elit; '.repeat(8);

/**
 * Row `seq`'s values: about 400 characters each, beyond ASCII, some with commas, quotes and line breaks
 * (so CSV quoting spans the chunks the export is received in).
 */
function rowOf(seq: number): { seq: number; name: string; note: string; amount: string; active: boolean } {
  const head = seq % 10 === 0 ? `note ${seq}, "quoted" café 🚀\r\nsecond line ` : `note ${seq} café 🚀 `;
  return { seq, name: `row ${String(seq).padStart(6, '0')}`, note: head + FILLER.slice(0, 400 - head.length), amount: (seq / 100).toFixed(2), active: seq % 3 === 0 };
}

/** The process's live memory (V8 heap and memory outside it, Buffers included) after a full collection. */
function liveMemory(gc: () => void): number {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

const inMb = (values: number[]) => values.map((value) => (value / MB).toFixed(1)).join(', ');

/** Rows 1..count as the CSV file an import takes. */
function csvOf(count: number): string {
  let text = `${COLUMNS}\r\n`;
  for (let seq = 1; seq <= count; seq++) {
    const row = rowOf(seq);
    text += csvRecord([row.seq, row.name, row.note, row.amount, row.active]);
  }
  return text;
}

/**
 * Writes rows from..ROWS straight into the collection's table, 1,000 to a statement in one transaction.
 * Values the database encodes its own way (a boolean, the system columns) are copied as stored from
 * rows the import wrote: row 1 (inactive) and row 3 (active).
 */
async function insertRows(suite: Suite, table: string, from: number): Promise<void> {
  const db = suite.app.nest.get(DataSource);
  const quote = (name: string) => (suite.kind === 'mysql' ? `\`${name}\`` : `"${name}"`);
  let placeholders = 0;
  const placeholder = () => (suite.kind === 'postgres' ? `$${++placeholders}` : '?');
  const system = ['created_at', 'updated_at', 'created_by', 'updated_by'];
  const templates = (await db.query(`SELECT seq, active, ${system.map(quote).join(', ')} FROM ${quote(table)} WHERE seq IN (1, 3)`)) as Row[];
  assert.equal(templates.length, 2);
  const stored = (active: boolean) => templates.find((template) => Number(template.seq) === (active ? 3 : 1))!;
  const columns = [...COLUMNS.split(','), ...system].map(quote).join(', ');
  await db.transaction(async (manager) => {
    for (let first = from; first <= ROWS; first += 1000) {
      placeholders = 0;
      const tuples: string[] = [];
      const values: unknown[] = [];
      for (let seq = first; seq < first + 1000 && seq <= ROWS; seq++) {
        const row = rowOf(seq);
        const template = stored(row.active);
        const tuple = [row.seq, row.name, row.note, row.amount, template.active, ...system.map((column) => template[column])];
        tuples.push(`(${tuple.map(placeholder).join(', ')})`);
        values.push(...tuple);
      }
      await manager.query(`INSERT INTO ${quote(table)} (${columns}) VALUES ${tuples.join(', ')}`, values);
    }
  });
}

interface Download {
  response: IncomingMessage;
  /** The body's bytes as they arrive; memory is sampled every SAMPLE_EVERY bytes and after the last. */
  body: AsyncIterable<Buffer>;
}

/**
 * Downloads a URL, handing its body to `consume` as it arrives, and answers the bytes received and the
 * growth of live memory over what it was before the request, at each sample.
 */
async function sampledDownload(url: string, token: string, consume: (download: Download) => Promise<void>): Promise<{ size: number; growth: number[] }> {
  // The app runs in this process: collecting garbage before each sample measures what is held, not what awaits collection.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const baseline = liveMemory(gc);
  const growth: number[] = [];
  const req = request(url, { headers: { authorization: `Bearer ${token}` } });
  req.end();
  const [response] = (await once(req, 'response')) as [IncomingMessage];
  let size = 0;
  async function* body(): AsyncGenerator<Buffer> {
    let next = SAMPLE_EVERY;
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length;
      // Nothing more is read while a sample is taken: the server meets backpressure meanwhile.
      if (size >= next) {
        growth.push(liveMemory(gc) - baseline);
        next += SAMPLE_EVERY;
      }
      yield chunk;
    }
    growth.push(liveMemory(gc) - baseline);
  }
  try {
    await consume({ response, body: body() });
  } finally {
    // A failed check leaves the download unread: end it, or the server would wait on it at close.
    response.destroy();
  }
  return { size, growth };
}

/** Asserts that the export was large enough to tell streaming from buffering, and that memory stayed flat. */
function assertFlat(size: number, growth: number[]): void {
  assert.ok(size > 3 * FLAT, `the export is ${inMb([size])} MB, too small to tell streaming from buffering`);
  assert.ok(growth.length > Math.floor(size / SAMPLE_EVERY), `${growth.length} samples of ${inMb([size])} MB`);
  assert.ok(Math.max(...growth) < FLAT, `memory grew by ${inMb(growth)} MB while exporting ${inMb([size])} MB`);
}

describeEachDatabase('export streaming', {}, (suite) => {
  let owned: OwnedWorkspace;
  let seeding = '';

  before(async () => {
    owned = await newOwnedWorkspace(suite.api);
    await newCollection(owned.api, owned.base, { collection: 'ledger', fields: FIELDS });
    const started = performance.now();
    // 100,000 rows through the import took 14 to 45 s per database here (each row is written with its
    // activity and revision), most of the time this file has on three databases. This file is about the
    // export, so the import writes the first rows and SQL the rest, which the export reads as it reads those.
    const file = multipartBody({ filename: 'ledger.csv', type: 'text/csv', content: csvOf(IMPORTED) });
    const imported = await owned.api.request('POST', `${owned.base}/items/ledger/import`, { raw: file });
    assert.equal(imported.status, 200, imported.text);
    assert.deepEqual(imported.body.data, { rows: IMPORTED, errors: [] });
    const midway = performance.now();
    await insertRows(suite, tableNameFor(owned.workspace.id, 'ledger'), IMPORTED + 1);
    const seconds = (from: number, to: number) => ((to - from) / 1000).toFixed(1);
    seeding = `seeded ${ROWS} rows in ${seconds(started, performance.now())} s: ${IMPORTED} through the import in ${seconds(started, midway)} s, the rest with SQL`;
  });

  it('streams a 100,000-row CSV export chunked, every row arriving, with the server\'s memory flat', async (t) => {
    t.diagnostic(seeding);
    const { size, growth } = await sampledDownload(`${suite.app.url}${owned.base}/items/ledger?export=csv&fields=id,${COLUMNS}`, owned.owner.accessToken, async ({ response, body }) => {
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8');
      assert.equal(response.headers['content-length'], undefined);
      assert.equal(response.headers['transfer-encoding'], 'chunked');
      const records = Readable.from(body).pipe(parseCsv());
      let header: string[] | null = null;
      let seq = 0;
      let lastId = 0;
      for await (const record of records as AsyncIterable<string[]>) {
        if (header === null) {
          header = record;
          assert.deepEqual(header, ['id', ...COLUMNS.split(',')]);
          continue;
        }
        seq++;
        const row = rowOf(seq);
        // Without a sort the export follows the key: ids rise, and the rows come in the order they were imported.
        const id = Number(record[0]);
        assert.ok(id > lastId, `id ${record[0]} after ${lastId}`);
        lastId = id;
        // Decimals come back as each database writes them (0.1 or 0.10): compared as numbers.
        assert.deepEqual([record[1], record[2], record[3], Number(record[4]), record[5]], [String(row.seq), row.name, row.note, Number(row.amount), String(row.active)]);
      }
      assert.equal(seq, ROWS);
    });
    t.diagnostic(`CSV: ${inMb([size])} MB; memory growth at each sample ${inMb(growth)} MB`);
    assertFlat(size, growth);
  });

  it('streams a 100,000-row JSON export sorted by a field chunked, every row arriving, with the server\'s memory flat', async (t) => {
    // Sorted by a field, not the key: the batches are read along that field rather than along the key.
    const { size, growth } = await sampledDownload(`${suite.app.url}${owned.base}/items/ledger?export=json&fields=${COLUMNS}&sort=-seq`, owned.owner.accessToken, async ({ response, body }) => {
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(response.headers['content-length'], undefined);
      assert.equal(response.headers['transfer-encoding'], 'chunked');
      let seq = ROWS + 1;
      for await (const element of jsonArrayElements(Readable.from(body))) {
        seq--;
        const row = rowOf(seq);
        const item = element as Record<string, unknown>;
        assert.deepEqual([item.seq, item.name, item.note, Number(item.amount), item.active], [row.seq, row.name, row.note, Number(row.amount), row.active]);
      }
      assert.equal(seq, 1);
    });
    t.diagnostic(`JSON: ${inMb([size])} MB; memory growth at each sample ${inMb(growth)} MB`);
    assertFlat(size, growth);
  });
});
