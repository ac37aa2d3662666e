package data

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// The official VQAv2 files: a questions JSON ({"data_subtype": "train2014", "questions":
// [{"image_id", "question", "question_id"}]}) and, except for test splits, an annotations JSON
// ({"annotations": [{"question_id", "image_id", "question_type", "answer_type",
// "multiple_choice_answer", "answers": [{"answer", ...} ×10]}]}).

type vqaQuestions struct {
	DataSubtype string `json:"data_subtype"`
	Questions   []struct {
		ImageID    int64  `json:"image_id"`
		Question   string `json:"question"`
		QuestionID int64  `json:"question_id"`
	} `json:"questions"`
}

type vqaAnnotations struct {
	Annotations []struct {
		QuestionID        int64  `json:"question_id"`
		QuestionType      string `json:"question_type"`
		MultipleChoiceAns string `json:"multiple_choice_answer"`
		Answers           []struct {
			Answer string `json:"answer"`
		} `json:"answers"`
	} `json:"annotations"`
}

// VQAv2Image is the COCO file name of an image of a VQAv2 split: COCO_<subtype>_<id, 12 digits>.jpg.
func VQAv2Image(subtype string, imageID int64) string {
	return fmt.Sprintf("COCO_%s_%012d.jpg", subtype, imageID)
}

// ReadVQAv2 reads an official VQAv2 questions file and its annotations file (annotations may be
// "" for a test split: rows then have no answers), with the COCO images in imageDir. Each
// question's ten annotator answers become normalised answers with SoftScore(count) (as
// BridgeTower's write_vqa.py); Major is the normalised multiple_choice_answer, as the original
// vocabulary counts it; Type is question_type. Source is "questions file:question_id".
func ReadVQAv2(questionsPath, annotationsPath, imageDir string, opt ReadOptions) (*Dataset, error) {
	var qs vqaQuestions
	if err := readJSON(questionsPath, &qs); err != nil {
		return nil, err
	}
	if qs.DataSubtype == "" {
		return nil, fmt.Errorf("data: %s: no \"data_subtype\" (needed for the COCO image names)", questionsPath)
	}
	type ann struct {
		major, qtype string
		answers      []string
	}
	anns := map[int64]ann{}
	if annotationsPath != "" {
		var as vqaAnnotations
		if err := readJSON(annotationsPath, &as); err != nil {
			return nil, err
		}
		for _, a := range as.Annotations {
			raw := make([]string, len(a.Answers))
			for i, x := range a.Answers {
				raw[i] = x.Answer
			}
			anns[a.QuestionID] = ann{major: NormalizeAnswer(a.MultipleChoiceAns), qtype: a.QuestionType, answers: raw}
		}
	}
	ds := &Dataset{Task: TaskVQA, Path: questionsPath}
	checked := map[string]error{}
	for _, q := range qs.Questions {
		src := fmt.Sprintf("%s:question_id %d", questionsPath, q.QuestionID)
		ex := Example{
			Image:  filepath.Join(imageDir, VQAv2Image(qs.DataSubtype, q.ImageID)),
			Text:   q.Question,
			Source: src,
		}
		var err error
		if annotationsPath != "" {
			a, ok := anns[q.QuestionID]
			if !ok {
				err = fmt.Errorf("data: %s: no annotation in %s", src, annotationsPath)
			}
			ex.Answers, _ = AnnotatorAnswers(a.answers)
			ex.Major, ex.Type = a.major, a.qtype
		}
		if err == nil && !opt.NoImageCheck {
			e, seen := checked[ex.Image]
			if !seen {
				_, e = os.Stat(ex.Image)
				checked[ex.Image] = e
			}
			if e != nil {
				err = fmt.Errorf("data: %s: image: %v", src, e)
			}
		}
		if err != nil {
			if !opt.SkipBad {
				return nil, err
			}
			ds.Skipped = append(ds.Skipped, err)
			continue
		}
		ds.Examples = append(ds.Examples, ex)
	}
	if len(ds.Examples) == 0 {
		return nil, fmt.Errorf("data: %s: no usable questions (%d skipped)", questionsPath, len(ds.Skipped))
	}
	return ds, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("data: %s: bad JSON: %v", path, err)
	}
	return nil
}
