// Package ablate runs bridge-layer ablations: a grid of model variants (link_tower_type and the
// bt_ config switches of package model) × seeds, each cell a fine-tuning run of package train
// (VQA, retrieval or classification, with bt fine-tune's settings) on a dataset of train/data, with tables researchers can trust: every cell's measured result
// is kept (results.jsonl), and the report gives mean ± sample std over seeds per metric, the
// parameters each variant adds, step time and peak memory, as markdown and a PNG plot.
//
// Runs are resumable: a cell is done when its result.json exists (it is skipped), and a killed
// cell restarts from its last checkpoint in its own directory. Cells are independent, so a
// scheduler can run them: List gives the cells, RunCell runs exactly one (bt ablate --cell I,
// with I from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX), each writing only under
// OUT/cells/<cell>/, and Report merges whatever cells have finished.
//
// Layout of OUT:
//
//	grid.json                      the grid as resolved (variants, seeds, task, recipe), written by the first run
//	start/<preset>-p<P>-i<S>-s<N>/ a preset's model directory (grids with "preset"), shared by cells
//	cells/<variant>-s<seed>/       one cell: its trainer's checkpoints and result.json
//	results.jsonl                  one Result per finished cell, sorted by cell index (Report)
//	table.md                       the summary table (Report)
//	plot.png                       the headline metric per variant, mean ± std and each seed (Report)
package ablate
