package accesslog

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

// Filter narrows a log. Zero fields do not filter.
type Filter struct {
	// From and To bound when the data was read: From <= At < To.
	From, To time.Time
	// Organisation keeps the reads by one organisation (its code).
	Organisation string
}

var orgCode = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

func (f Filter) check() error {
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return invalid("to", "invalid_period", "Конец периода должен быть позже начала")
	}
	if f.Organisation != "" && !orgCode.MatchString(f.Organisation) {
		return invalid("organisation", "organisation.format", "Код организации: строчные латинские буквы, цифры и дефис")
	}
	return nil
}

func (f Filter) keeps(it entryItem) bool {
	at := parseStamp(it.At)
	return (f.From.IsZero() || !at.Before(f.From)) && (f.To.IsZero() || at.Before(f.To)) &&
		(f.Organisation == "" || it.OrgCode == f.Organisation)
}

// Page is one page of a log.
type Page struct {
	Items []Entry `json:"items"`
	// Next is the cursor of the next page, "" at the end.
	Next string `json:"nextCursor"`
	// Pending counts reads recorded but not yet chained (the log was busy):
	// they appear on a later look.
	Pending int `json:"pending"`
}

// maxSeq is the largest number a 12-digit sort key holds.
const maxSeq = 999_999_999_999

// settleForOwner chains what waits before the person reads their log, and
// says how many reads still wait when it could not.
func (l *Log) settleForOwner(ctx context.Context, sub string) int {
	if _, err := l.Settle(ctx, sub); err == nil {
		return 0
	} else {
		logging.From(ctx).Warn("access log not settled before reading", "err", err)
	}
	var pend []pendingItem
	if _, err := l.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ReadPendingPrefix, Consistent: true}, &pend); err != nil {
		return 0
	}
	return len(pend)
}

// List returns a page of the person's own log, newest first, having
// chained what waited. Errors: Unauthenticated for anyone without an
// account of their own; Invalid for a bad filter; BadRequest for a bad
// cursor.
func (l *Log) List(ctx context.Context, a actor.Actor, f Filter, cursor string, limit int32) (Page, error) {
	sub, err := a.OwnAccount()
	if err != nil {
		return Page{}, err
	}
	if err := f.check(); err != nil {
		return Page{}, err
	}
	if _, err := l.ready(ctx); err != nil {
		return Page{}, err
	}
	pending := l.settleForOwner(ctx, sub)
	page := dynamo.Page{Partition: dynamo.UserPK(sub), From: dynamo.ReadLogKey(sub, 1).SK, To: dynamo.ReadLogKey(sub, maxSeq).SK,
		Cursor: cursor, Consistent: true}
	items, next, err := dynamo.Collect(ctx, l.DB, page, int(limit), f.keeps)
	if err != nil {
		return Page{}, fmt.Errorf("list access log: %w", err)
	}
	flagged, err := l.flagged(ctx, sub)
	if err != nil {
		return Page{}, err
	}
	out := Page{Items: make([]Entry, 0, len(items)), Next: next, Pending: pending}
	for _, it := range items {
		e := entryOf(it)
		e.Flagged = flagged[it.Seq]
		out.Items = append(out.Items, e)
	}
	return out, nil
}

// ExportLimit caps All: a longer log is refused with TooLarge and the person
// asked for a shorter period.
var ExportLimit = 10000

// All returns every entry of a person's log that passes f, oldest first,
// having chained what waited (the CSV, the personal-data export). Errors:
// Invalid for a bad filter; TooLarge past ExportLimit.
func (l *Log) All(ctx context.Context, sub string, f Filter) ([]Entry, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	if _, err := l.ready(ctx); err != nil {
		return nil, err
	}
	l.settleForOwner(ctx, sub)
	flagged, err := l.flagged(ctx, sub)
	if err != nil {
		return nil, err
	}
	var out []Entry
	cursor := ""
	for {
		var items []entryItem
		next, err := l.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ReadLogPrefix, Forward: true,
			Cursor: cursor, Consistent: true}, &items)
		if err != nil {
			return nil, fmt.Errorf("export access log: %w", err)
		}
		for _, it := range items {
			if f.keeps(it) {
				e := entryOf(it)
				e.Flagged = flagged[it.Seq]
				out = append(out, e)
			}
		}
		if len(out) > ExportLimit {
			return nil, problem.New(problem.KindTooLarge, "access_log_too_large",
				fmt.Sprintf("В выгрузку попадает больше %d записей. Выберите период короче", ExportLimit))
		}
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// AllOf is All for the person acting (the CSV route).
func (l *Log) AllOf(ctx context.Context, a actor.Actor, f Filter) ([]Entry, error) {
	sub, err := a.OwnAccount()
	if err != nil {
		return nil, err
	}
	return l.All(ctx, sub, f)
}

var csvHeader = []string{"Дата и время (МСК)", "Кто", "Организация", "Сотрудник", "Какие данные", "Основание", "Оспорено", "Запись №"}

// CSV renders entries for a spreadsheet as the activity journal's CSV is:
// UTF-8 with a byte-order mark, CRLF, a Russian header, Moscow times, and
// no cell a spreadsheet would take for a formula.
func CSV(entries []Entry) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	_ = w.Write(csvHeader)
	for _, e := range entries {
		flagged := ""
		if e.Flagged {
			flagged = "да"
		}
		_ = w.Write([]string{e.At.In(clock.Moscow()).Format("02.01.2006 15:04:05"), journal.Cell(e.RoleTitle), journal.Cell(e.Organisation),
			journal.Cell(e.Person), journal.Cell(e.Data), journal.Cell(e.Reason.Title), flagged, strconv.FormatInt(e.Seq, 10)})
	}
	w.Flush()
	return buf.Bytes()
}

// Codes of a broken log (journal.Result's, with the log's own wording).
var reasons = map[string]string{
	journal.CodeModified:     "запись журнала доступа изменена",
	journal.CodeRemoved:      "запись журнала доступа удалена",
	journal.CodeReordered:    "записи журнала доступа переставлены",
	journal.CodeChain:        "нарушена цепочка записей журнала доступа",
	journal.CodeForeign:      "посторонняя запись в журнале доступа",
	journal.CodeHeadModified: "заголовок журнала доступа изменён",
	journal.CodeHeadRemoved:  "заголовок журнала доступа удалён",
}

func broken(sound, at int64, code string) journal.Result {
	return journal.Result{Entries: sound, BrokenAt: at, Code: code, Reason: reasons[code]}
}

// Verify walks the person's log from the first entry and checks that the
// numbers have no gaps, each entry points to the one before, each hash
// matches its content under the key, and the head agrees with the last
// entry; it names the first entry that fails. Reads are strongly
// consistent, so an entry chained meanwhile is either seen whole or not
// at all (the head is read first). Errors: Unauthenticated for anyone
// without an account of their own.
func (l *Log) Verify(ctx context.Context, a actor.Actor) (journal.Result, error) {
	sub, err := a.OwnAccount()
	if err != nil {
		return journal.Result{}, err
	}
	key, err := l.ready(ctx)
	if err != nil {
		return journal.Result{}, err
	}
	head, found, err := l.head(ctx, sub)
	if err != nil {
		return journal.Result{}, err
	}
	next, prev := int64(1), genesis
	cursor := ""
	for {
		var items []entryItem
		more, err := l.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ReadLogPrefix, Forward: true,
			Cursor: cursor, Consistent: true}, &items)
		if err != nil {
			return journal.Result{}, fmt.Errorf("verify access log: %w", err)
		}
		for _, it := range items {
			seq, ok := seqOf(it.SK)
			switch {
			case !ok || it.Kind != kindEntry:
				return broken(next-1, next, journal.CodeForeign), nil
			case seq > head.Seq && found:
				// Chained after the head was read: beyond what is checked.
				continue
			case seq != next:
				return broken(next-1, next, journal.CodeRemoved), nil
			case it.Owner != sub || !equal(entryHash(key, it), it.Hash):
				return broken(next-1, seq, journal.CodeModified), nil
			case it.Seq != seq:
				return broken(next-1, seq, journal.CodeReordered), nil
			case it.Prev != prev:
				return broken(next-1, seq, journal.CodeChain), nil
			}
			next, prev = seq+1, it.Hash
		}
		if more == "" {
			break
		}
		cursor = more
	}
	switch {
	case !found && next > 1:
		return broken(next-1, next, journal.CodeHeadRemoved), nil
	case !found:
		return journal.Result{OK: true}, nil
	case !equal(headSeal(key, sub, head.Seq, head.Hash), head.Seal):
		return broken(next-1, next, journal.CodeHeadModified), nil
	case next-1 < head.Seq:
		return broken(next-1, next, journal.CodeRemoved), nil
	case head.Hash != prev:
		return broken(next-1, next, journal.CodeHeadModified), nil
	}
	return journal.Result{OK: true, Entries: next - 1}, nil
}

// seqOf reads the number from an entry's sort key.
func seqOf(sk string) (int64, bool) {
	digits, ok := strings.CutPrefix(sk, dynamo.ReadLogPrefix)
	if !ok || len(digits) != 12 {
		return 0, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	return n, err == nil && n >= 1
}
