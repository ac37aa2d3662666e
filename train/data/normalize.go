package data

import (
	"strings"
	"unicode"
)

// Answer normalisation of the VQA evaluation (VQA's vqaEval.py processPunctuation and
// processDigitArticle), as ViLT/BridgeTower's write_vqa.py applies it to every answer
// (normalize_word) before building the answer vocabulary and the soft-score targets.

// vqaPunct is the evaluation's punctuation list, in its order.
var vqaPunct = []string{";", "/", "[", "]", "\"", "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!"}

// vqaNumbers is the evaluation's manualMap: number words become digits ("none" counts as 0).
var vqaNumbers = map[string]string{
	"none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4",
	"five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}

var vqaArticles = map[string]bool{"a": true, "an": true, "the": true}

// vqaContractions is the evaluation's contraction table (keys with capitals never match after
// lower-casing; they are kept as the evaluation has them).
var vqaContractions = map[string]string{
	"aint": "ain't", "arent": "aren't", "cant": "can't", "couldve": "could've", "couldnt": "couldn't",
	"couldn'tve": "couldn't've", "couldnt've": "couldn't've", "didnt": "didn't", "doesnt": "doesn't", "dont": "don't", "hadnt": "hadn't",
	"hadnt've": "hadn't've", "hadn'tve": "hadn't've", "hasnt": "hasn't", "havent": "haven't", "hed": "he'd", "hed've": "he'd've",
	"he'dve": "he'd've", "hes": "he's", "howd": "how'd", "howll": "how'll", "hows": "how's", "Id've": "I'd've", "I'dve": "I'd've",
	"Im": "I'm", "Ive": "I've", "isnt": "isn't", "itd": "it'd", "itd've": "it'd've", "it'dve": "it'd've", "itll": "it'll", "let's": "let's",
	"maam": "ma'am", "mightnt": "mightn't", "mightnt've": "mightn't've", "mightn'tve": "mightn't've", "mightve": "might've",
	"mustnt": "mustn't", "mustve": "must've", "neednt": "needn't", "notve": "not've", "oclock": "o'clock", "oughtnt": "oughtn't",
	"ow's'at": "'ow's'at", "'ows'at": "'ow's'at", "'ow'sat": "'ow'sat", "shant": "shan't", "shed've": "she'd've", "she'dve": "she'd've",
	"she's": "she's", "shouldve": "should've", "shouldnt": "shouldn't", "shouldnt've": "shouldn't've", "shouldn'tve": "shouldn't've",
	"somebody'd": "somebodyd", "somebodyd've": "somebody'd've", "somebody'dve": "somebody'd've", "somebodyll": "somebody'll",
	"somebodys": "somebody's", "someoned": "someone'd", "someoned've": "someone'd've", "someone'dve": "someone'd've",
	"someonell": "someone'll", "someones": "someone's", "somethingd": "something'd", "somethingd've": "something'd've",
	"something'dve": "something'd've", "somethingll": "something'll", "thats": "that's", "thered": "there'd", "thered've": "there'd've",
	"there'dve": "there'd've", "therere": "there're", "theres": "there's", "theyd": "they'd", "theyd've": "they'd've",
	"they'dve": "they'd've", "theyll": "they'll", "theyre": "they're", "theyve": "they've", "twas": "'twas", "wasnt": "wasn't",
	"wed've": "we'd've", "we'dve": "we'd've", "weve": "we've", "werent": "weren't", "whatll": "what'll", "whatre": "what're",
	"whats": "what's", "whatve": "what've", "whens": "when's", "whered": "where'd", "wheres": "where's", "whereve": "where've",
	"whod": "who'd", "whod've": "who'd've", "who'dve": "who'd've", "wholl": "who'll", "whos": "who's", "whove": "who've", "whyll": "why'll",
	"whyre": "why're", "whys": "why's", "wont": "won't", "wouldve": "would've", "wouldnt": "wouldn't", "wouldnt've": "wouldn't've",
	"wouldn'tve": "wouldn't've", "yall": "y'all", "yall'll": "y'all'll", "y'allll": "y'all'll", "yall'd've": "y'all'd've",
	"y'alld've": "y'all'd've", "y'all'dve": "y'all'd've", "youd": "you'd", "youd've": "you'd've", "you'dve": "you'd've",
	"youll": "you'll", "youre": "you're", "youve": "you've",
}

// hasDigitCommaDigit is re.search("(\d)(\,)(\d)", s) != None.
func hasDigitCommaDigit(s string) bool {
	r := []rune(s)
	for i := 1; i+1 < len(r); i++ {
		if r[i] == ',' && unicode.IsDigit(r[i-1]) && unicode.IsDigit(r[i+1]) {
			return true
		}
	}
	return false
}

// ProcessPunctuation is the evaluation's processPunctuation: each listed mark is deleted when
// it touches a space somewhere in the input (or the input has a digit,digit comma), else replaced
// by a space; then periods not followed by a digit are deleted. The evaluation passes re.UNICODE
// (32) as sub's count argument, so at most 32 periods go; that is kept.
func ProcessPunctuation(in string) string {
	out := in
	commaDigits := hasDigitCommaDigit(in)
	for _, p := range vqaPunct {
		if strings.Contains(in, p+" ") || strings.Contains(in, " "+p) || commaDigits {
			out = strings.ReplaceAll(out, p, "")
		} else {
			out = strings.ReplaceAll(out, p, " ")
		}
	}
	// periodStrip "(?!<=\d)(\.)(?!\d)": the first group is a look-ahead typo that always holds
	// before a '.', so this removes '.' not followed by a digit, at most 32 times.
	r := []rune(out)
	var b strings.Builder
	removed := 0
	for i, c := range r {
		if c == '.' && removed < 32 && (i+1 >= len(r) || !unicode.IsDigit(r[i+1])) {
			removed++
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// ProcessDigitArticle is the evaluation's processDigitArticle: lower-case, split on white space,
// number words to digits, articles dropped, contractions restored, joined with single spaces.
func ProcessDigitArticle(in string) string {
	words := strings.Fields(strings.ToLower(in))
	out := words[:0]
	for _, w := range words {
		if d, ok := vqaNumbers[w]; ok {
			w = d
		}
		if !vqaArticles[w] {
			out = append(out, w)
		}
	}
	for i, w := range out {
		if c, ok := vqaContractions[w]; ok {
			out[i] = c
		}
	}
	return strings.Join(out, " ")
}

// NormalizeAnswer is ViLT/BridgeTower's normalize_word: ProcessPunctuation, then
// ProcessDigitArticle, then any remaining comma removed. Targets and the answer vocabulary use it.
func NormalizeAnswer(s string) string {
	return strings.ReplaceAll(ProcessDigitArticle(ProcessPunctuation(s)), ",", "")
}

// SoftScore is the VQAv2 target score for an answer given by n of the (ten) annotators:
// 0, 0.3, 0.6, 0.9 for 0–3 and 1 for four or more (write_vqa.py get_score).
func SoftScore(n int) float64 {
	switch {
	case n <= 0:
		return 0
	case n == 1:
		return 0.3
	case n == 2:
		return 0.6
	case n == 3:
		return 0.9
	}
	return 1
}
