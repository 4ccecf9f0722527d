import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';

/**
 * The case-insensitive operators and `search` fold Unicode case alike on the three databases: each
 * letter lowered by Unicode's simple mapping (what PostgreSQL's and MariaDB's LOWER do), on both sides.
 * So 'İ' lowers to 'i' and a word-final 'Σ' to 'σ' (never 'ς'); 'ß' stays itself (no 'ss'), 'ı' is not
 * 'i', and accents are never folded.
 */
const WORDS = ['ÜNÏCODE Straße', 'ünïcode strasse', 'Éclair', 'ΟΔΟΣ ΑΘΗΝΑΣ', 'οδος', 'ЖУРНАЛ Москва', 'İSTANBUL', 'ıspanak'];

const CASES: Array<{ query: string; words: string[] }> = [
  // accented Latin
  { query: 'filter[word][_icontains]=ÜNÏCODE', words: ['ÜNÏCODE Straße', 'ünïcode strasse'] },
  { query: 'filter[word][_icontains]=ünïcode', words: ['ÜNÏCODE Straße', 'ünïcode strasse'] },
  { query: 'filter[word][_contains]=ünïcode', words: ['ünïcode strasse'] },
  { query: 'filter[word][_istarts_with]=üNï', words: ['ÜNÏCODE Straße', 'ünïcode strasse'] },
  { query: 'filter[word][_iends_with]=STRASSE', words: ['ünïcode strasse'] },
  { query: 'filter[word][_iends_with]=STRAßE', words: ['ÜNÏCODE Straße'] },
  { query: 'filter[word][_icontains]=ÉCLAIR', words: ['Éclair'] },
  { query: 'filter[word][_icontains]=eclair', words: [] },
  // Greek: Σ lowers to σ wherever it stands
  { query: 'filter[word][_icontains]=οδοσ', words: ['ΟΔΟΣ ΑΘΗΝΑΣ'] },
  { query: 'filter[word][_icontains]=ΟΔΟΣ', words: ['ΟΔΟΣ ΑΘΗΝΑΣ'] },
  { query: 'filter[word][_istarts_with]=ΟΔΟ', words: ['ΟΔΟΣ ΑΘΗΝΑΣ', 'οδος'] },
  { query: 'filter[word][_iends_with]=αθηνασ', words: ['ΟΔΟΣ ΑΘΗΝΑΣ'] },
  { query: 'filter[word][_iends_with]=οδος', words: ['οδος'] },
  // Cyrillic
  { query: 'filter[word][_icontains]=журнал', words: ['ЖУРНАЛ Москва'] },
  { query: 'filter[word][_iends_with]=МОСКВА', words: ['ЖУРНАЛ Москва'] },
  { query: 'filter[word][_istarts_with]=жУрНаЛ м', words: ['ЖУРНАЛ Москва'] },
  // Turkish dotted and dotless i
  { query: 'filter[word][_istarts_with]=istanbul', words: ['İSTANBUL'] },
  { query: 'filter[word][_icontains]=İstanbul', words: ['İSTANBUL'] },
  { query: 'filter[word][_icontains]=I', words: ['Éclair', 'İSTANBUL'] },
  { query: 'filter[word][_icontains]=ı', words: ['ıspanak'] },
  // search
  { query: 'search=ÜNÏCODE', words: ['ÜNÏCODE Straße', 'ünïcode strasse'] },
  { query: 'search=éCLAIR', words: ['Éclair'] },
  { query: 'search=ΑΘΗΝΑΣ', words: ['ΟΔΟΣ ΑΘΗΝΑΣ'] },
  { query: 'search=москва', words: ['ЖУРНАЛ Москва'] },
  { query: 'search=İstanbul', words: ['İSTANBUL'] },
];

describeEachDatabase('Unicode case folding', {}, (suite) => {
  let api: Api;
  let base: string;

  before(async () => {
    ({ api, base } = await newOwnedWorkspace(suite.api));
    await newCollection(api, base, { collection: 'words', fields: [{ field: 'word', type: 'string' }] });
    const seeded = await api.post(`${base}/items/words`, WORDS.map((word) => ({ word })));
    assert.equal(seeded.status, 200, seeded.text);
  });

  for (const { query, words } of CASES) {
    it(`${query} → ${JSON.stringify(words)}`, async () => {
      const params = query.split('&').map((pair) => pair.split('=').map(encodeURIComponent).join('=')).join('&');
      const listed = await api.get(`${base}/items/words?${params}&sort=id&fields=word`);
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual(listed.body.data.map((row: { word: string }) => row.word), words);
    });
  }
});
