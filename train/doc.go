// Package train fine-tunes BridgeTower: one compiled step per batch shape (forward, graph.Gradient,
// global-norm clipping and AdamW in a single executable, so every backend trains the same way),
// the parameter groups and learning-rate schedule of the original fine-tuning code, gradient
// accumulation, frozen encoders, a NaN/Inf guard, checkpoints with bit-exact resume, progress and
// metrics output. Datasets and loaders live in train/data and reach the Trainer through Batches.
package train
