package support

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// FAQLink is a service or route an answer describes.
type FAQLink struct {
	Title string `json:"title"`
	Href  string `json:"href"`
}

// FAQEntry is one question and its answer.
type FAQEntry struct {
	ID       string    `json:"id"`
	Category string    `json:"category"`
	Question string    `json:"question"`
	Answer   string    `json:"answer"`
	Keywords string    `json:"keywords,omitempty"`
	Links    []FAQLink `json:"links"`
	// Helped and NotHelped are the readers' votes (the card only).
	Helped    *int64 `json:"helped,omitempty"`
	NotHelped *int64 `json:"notHelped,omitempty"`
}

//go:embed faq.json
var faqJSON []byte

type faqIndex struct {
	entries []FAQEntry
	words   [][]string
}

// faq parses the embedded answers on first use; a broken file is a broken
// build (its test reads it).
var faq = sync.OnceValue(func() *faqIndex {
	dec := json.NewDecoder(bytes.NewReader(faqJSON))
	dec.DisallowUnknownFields()
	var entries []FAQEntry
	if err := dec.Decode(&entries); err != nil {
		panic("support: embedded faq.json: " + err.Error())
	}
	ix := &faqIndex{entries: entries}
	for _, e := range entries {
		if _, ok := categoryTitle(e.Category); !ok {
			panic("support: faq.json: " + e.ID + ": unknown category " + e.Category)
		}
		ix.words = append(ix.words, catalog.Words(e.Question+" "+e.Answer+" "+e.Keywords))
	}
	return ix
})

// FAQ is the public list of answers, searchable as the catalog is (every
// word of the query a prefix of a word of the answer, ё as е), with
// "helped / did not help" counts.
type FAQ struct{ DB *dynamo.Store }

// Search lists the answers of a category (or all) that match q, in their
// order. Errors: Invalid for an unknown category or an overlong query.
func (f *FAQ) Search(q, category string) ([]FAQEntry, error) {
	if utf8.RuneCountInString(q) > 200 {
		return nil, problem.Invalid(problem.Field{Field: "q", Code: "q.length", Message: "Поисковый запрос — не длиннее 200 символов"})
	}
	if _, ok := categoryTitle(category); category != "" && !ok {
		return nil, problem.Invalid(problem.Field{Field: "category", Code: "category.unknown", Message: "Неизвестная категория"})
	}
	ix := faq()
	terms := catalog.Words(q)
	out := []FAQEntry{}
	for i, e := range ix.entries {
		if category != "" && e.Category != category || !catalog.Matches(ix.words[i], terms) {
			continue
		}
		e.Links = slices.Clone(e.Links)
		out = append(out, e)
	}
	return out, nil
}

func entry(id string) (FAQEntry, bool) {
	for _, e := range faq().entries {
		if e.ID == id {
			return e, true
		}
	}
	return FAQEntry{}, false
}

type votesItem struct {
	Helped    int64 `dynamodbav:"Helped"`
	NotHelped int64 `dynamodbav:"NotHelped"`
}

// Get is one answer with its votes.
func (f *FAQ) Get(ctx context.Context, id string) (FAQEntry, error) {
	e, ok := entry(id)
	if !ok {
		return FAQEntry{}, problem.NotFound("ответ")
	}
	var v votesItem
	if err := f.DB.Get(ctx, dynamo.FAQVotesKey(id), "ответ", &v); err != nil && !problem.Is(err, problem.KindNotFound) {
		return FAQEntry{}, err
	}
	e.Helped, e.NotHelped = &v.Helped, &v.NotHelped
	return e, nil
}

// Vote counts one "helped" (or "did not help") for an answer.
func (f *FAQ) Vote(ctx context.Context, id string, helped bool) (FAQEntry, error) {
	if _, ok := entry(id); !ok {
		return FAQEntry{}, problem.NotFound("ответ")
	}
	attr := "NotHelped"
	if helped {
		attr = "Helped"
	}
	k := dynamo.FAQVotesKey(id)
	if _, err := f.DB.Increment(ctx, k, attr, 1, time.Time{}); err != nil {
		return FAQEntry{}, fmt.Errorf("faq vote: %w", err)
	}
	return f.Get(ctx, id)
}

// FAQCategories are the categories that have answers.
func FAQCategories() []Category {
	var out []Category
	for _, c := range Categories {
		for _, e := range faq().entries {
			if e.Category == c.Code {
				out = append(out, c)
				break
			}
		}
	}
	return out
}
