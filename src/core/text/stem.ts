/**
 * A compact Porter (1980) English stemmer, used to match question words to
 * source words in extractive answering ("indexing" ~ "indexed" ~ "index").
 * Pure function, no dependencies. Words that are not plain lower-case ASCII
 * letters (numbers, accented words, "don't") are returned unchanged apart
 * from a possessive "'s", which is removed.
 */

const plainWord = /^[a-z]+$/;

/** True when `word[i]` is a consonant in Porter's sense ("y" after a consonant is a vowel). */
function isConsonant(word: string, i: number): boolean {
  const c = word[i];
  if (c === "a" || c === "e" || c === "i" || c === "o" || c === "u") return false;
  if (c === "y") return i === 0 || !isConsonant(word, i - 1);
  return true;
}

/** Porter's measure m: the number of vowel-consonant sequences in `stem`. */
function measure(stem: string): number {
  let m = 0;
  let i = 0;
  const n = stem.length;
  while (i < n && isConsonant(stem, i)) i++;
  while (i < n) {
    while (i < n && !isConsonant(stem, i)) i++;
    if (i >= n) break;
    while (i < n && isConsonant(stem, i)) i++;
    m++;
  }
  return m;
}

function hasVowel(stem: string): boolean {
  for (let i = 0; i < stem.length; i++) if (!isConsonant(stem, i)) return true;
  return false;
}

function endsWithDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

/** Porter's *o: stem ends consonant-vowel-consonant, the last not w, x or y. */
function endsCvc(word: string): boolean {
  const n = word.length;
  if (n < 3) return false;
  const last = word[n - 1];
  return isConsonant(word, n - 3) && !isConsonant(word, n - 2) && isConsonant(word, n - 1) && last !== "w" && last !== "x" && last !== "y";
}

type Rule = readonly [suffix: string, replacement: string];

function sortLongestFirst(rules: Rule[]): Rule[] {
  return rules.sort((x, y) => y[0].length - x[0].length);
}

/**
 * Applies the first rule (longest suffixes first) whose suffix matches, if the
 * remaining stem satisfies `condition`. As in Porter's paper, once a suffix
 * matches no shorter suffix is tried, whether or not the condition held.
 */
function applyRules(word: string, rules: readonly Rule[], condition: (stem: string) => boolean): string {
  for (const [suffix, replacement] of rules) {
    if (!word.endsWith(suffix)) continue;
    const stem = word.slice(0, word.length - suffix.length);
    return condition(stem) ? stem + replacement : word;
  }
  return word;
}

const step2Rules: readonly Rule[] = sortLongestFirst([
  ["ational", "ate"],
  ["tional", "tion"],
  ["enci", "ence"],
  ["anci", "ance"],
  ["izer", "ize"],
  ["bli", "ble"],
  ["alli", "al"],
  ["entli", "ent"],
  ["eli", "e"],
  ["ousli", "ous"],
  ["ization", "ize"],
  ["ation", "ate"],
  ["ator", "ate"],
  ["alism", "al"],
  ["iveness", "ive"],
  ["fulness", "ful"],
  ["ousness", "ous"],
  ["aliti", "al"],
  ["iviti", "ive"],
  ["biliti", "ble"],
  ["logi", "log"],
]);

const step3Rules: readonly Rule[] = sortLongestFirst([
  ["icate", "ic"],
  ["ative", ""],
  ["alize", "al"],
  ["iciti", "ic"],
  ["ical", "ic"],
  ["ful", ""],
  ["ness", ""],
]);

const step4Suffixes = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism", "ate", "iti", "ous", "ive", "ize"].sort(
  (a, b) => b.length - a.length,
);

function step1ab(word: string): string {
  // Step 1a: plurals.
  if (word.endsWith("sses")) word = word.slice(0, -2);
  else if (word.endsWith("ies")) word = word.slice(0, -2);
  else if (!word.endsWith("ss") && word.endsWith("s")) word = word.slice(0, -1);

  // Step 1b: past tense and progressive.
  if (word.endsWith("eed")) {
    return measure(word.slice(0, -3)) > 0 ? word.slice(0, -1) : word;
  }
  let stripped: string | undefined;
  if (word.endsWith("ed") && hasVowel(word.slice(0, -2))) stripped = word.slice(0, -2);
  else if (word.endsWith("ing") && hasVowel(word.slice(0, -3))) stripped = word.slice(0, -3);
  if (stripped === undefined) return word;

  if (stripped.endsWith("at") || stripped.endsWith("bl") || stripped.endsWith("iz")) return stripped + "e";
  if (endsWithDoubleConsonant(stripped) && !/[lsz]$/.test(stripped)) return stripped.slice(0, -1);
  if (measure(stripped) === 1 && endsCvc(stripped)) return stripped + "e";
  return stripped;
}

/**
 * Reduces an English word to its Porter stem ("connections" → "connect",
 * "relational" → "relat"). Input should be lower case; anything that is not
 * a plain ASCII word of three or more letters is returned as is.
 */
export function stem(word: string): string {
  word = word.replace(/['’]s$/, "");
  if (word.length <= 2 || !plainWord.test(word)) return word;

  word = step1ab(word);

  // Step 1c: terminal y after a vowel-containing stem.
  if (word.endsWith("y") && hasVowel(word.slice(0, -1))) word = word.slice(0, -1) + "i";

  word = applyRules(word, step2Rules, (s) => measure(s) > 0);
  word = applyRules(word, step3Rules, (s) => measure(s) > 0);

  // Step 4: remove suffixes from long stems ("ion" only after s or t).
  for (const suffix of step4Suffixes) {
    if (!word.endsWith(suffix)) continue;
    const s = word.slice(0, word.length - suffix.length);
    if (measure(s) > 1 && (suffix !== "ion" || s.endsWith("s") || s.endsWith("t"))) word = s;
    break;
  }

  // Step 5a: final e.
  if (word.endsWith("e")) {
    const s = word.slice(0, -1);
    const m = measure(s);
    if (m > 1 || (m === 1 && !endsCvc(s))) word = s;
  }
  // Step 5b: -ll after a long stem.
  if (word.endsWith("ll") && measure(word) > 1) word = word.slice(0, -1);

  return word;
}
