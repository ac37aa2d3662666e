// Package data is the data side of fine-tuning: datasets in JSON lines, the VQAv2 files, answer
// and label vocabularies, a resumable parallel loader of fixed-shape batches, evaluation metrics,
// and the synthetic shapes VQA set of `bt data shapes`.
//
// Formats (one JSON object per line; image paths relative to the file; unknown fields ignored):
//
//	vqa            {"image": "images/1.png", "question": "...", "answers": [{"answer": "red", "score": 1.0}], "type": "color"}
//	retrieval      {"image": "...", "caption": "..."}
//	classification {"image": "...", "text": "...", "label": "entailment"}
//
// plus the official VQAv2 questions + annotations pair (ReadVQAv2). VQA answers are normalised as
// the VQA evaluation does (NormalizeAnswer: punctuation, number words, articles, contractions);
// annotator answers get the VQAv2 soft scores 0/0.3/0.6/0.9/1 for 0/1/2/3/≥4 annotators
// (SoftScore). The answer vocabulary is built from the training split by frequency
// (BuildAnswerVocab) and saved as answers.json (Vocab.Save, LoadVocab).
//
// Batches (Loader.Next; Loader.NextBatch adds the rows' dataset indices) are map[string]*graph.Tensor keyed by the model's input names, always of
// one shape (F = F32, or F64 with LoaderOptions.FloatDType):
//
//	input_ids      I64 [B T]       text padded with <pad> and truncated to T = LoaderOptions.TextLen
//	attention_mask I64 [B T]       1 token / 0 padding
//	pixel_values   F   [B 3 H W]   the model's image processor (imageproc), H×W = its crop size
//	row_mask       F   [B]         1 real row / 0 padding (short last batch) or a skipped bad image
//	vqa_targets    F   [B A]       VQA: soft score of each vocabulary answer
//	class_labels   I64 [B]         classification: label index
//	itm_labels     I64 [B]         retrieval: 1 when the caption is the image's own, 0 for a negative
//
// Padding rows hold "<s></s>" text, zero pixels, zero targets and label 0. Retrieval rows pair
// each caption's image with its own caption, or with probability LoaderOptions.ITMNegatives
// with the caption of another image (itm_labels 0): image-text matching inputs; Batch.Texts
// tells which caption each row got. With ITMNegatives 0 every row is a positive pair, as
// contrastive training and recall evaluation want.
//
// The loader shuffles per epoch with a permutation drawn from PCG(seed, epoch), decodes and
// preprocesses in Workers goroutines at most Prefetch batches ahead, and State/Restore save and
// restore the exact position (epoch, batch, seed): a resumed run sees the batches the
// uninterrupted run would. Errors name the file and line (bad JSON, missing field, missing
// image, unknown label); with SkipBad such rows are dropped when read (Dataset.Skipped) or, for
// an image that fails to decode, masked in its batch (Batch.Skipped, Loader.Skipped).
//
// Metrics: VQAScore (soft-score target of the prediction), VQAAccuracy (the official
// leave-one-out min(1, matches/3) over raw human answers), VQARowScores and Correct on logits
// tensors (VQA score, classification and ITM accuracy), Meter (overall and per type),
// RetrievalRecall (recall@K both ways from a similarity matrix; RetrievalPairs lays out every
// image-text pair for scoring it with the ITM head) and MajorityBaseline (overall, per type,
// and per question text: the blind baseline).
//
// # The shapes set
//
// GenerateShapes writes a synthetic VQA set designed so that a tiny BridgeTower trained from
// scratch (hidden 128, 3+3 layers, 64 px, patch 8) can learn it to a high score in minutes on a
// CPU, where a harder set (small shapes, six colours, 4,000 questions) plateaued at 0.55 in a
// PyTorch reference (shared notes, training.md). The choices, each against one cause of that
// plateau:
//   - shapes are large relative to the patch grid: side ¼–⅜ of the image (16–24 px at 64 px,
//     2–3 patches across), anti-aliased, never overlapping;
//   - four saturated colours far apart (red, green, blue, yellow) and three shapes (circle,
//     square, upright triangle) whose fill ratios (0.79, 1, 0.5) differ;
//   - backgrounds vary (grey level, tint, gradient, noise) but stay desaturated, so no background
//     can be mistaken for a shape colour;
//   - relative position is asked only between two objects of unique colours whose horizontal
//     extents are clearly apart (≥ size/16), as "left of" and "right of";
//   - existence "no" questions favour near misses (colour or shape present elsewhere), so the
//     answer needs colour bound to shape, not the colour alone;
//   - types and answers are balanced by construction (a balancer and scene redraws), so the
//     majority baseline is ~0.38 and no answer prior helps;
//   - the default is 30,000 questions on 10,000 images (3 per image), cheap to generate, many
//     more distinct scenes than the 1,600 images of the reference.
package data
