package accesslog

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/problem"
)

// A person who does not recognise a read ("я не обращался в эту
// организацию") flags its entry: the flag opens a case in support's queue
// (GSI1 READFLAGS, newest first) with a copy of the entry and the person's
// words, and the entry shows as flagged from then on. An entry is flagged
// once.

// MaxComment is the longest comment on a flag, in characters.
const MaxComment = 1000

// DefaultComment is the flag's comment when the person writes none.
const DefaultComment = "Я не обращался в эту организацию и не давал согласия на этот доступ"

type flagItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Kind      string `dynamodbav:"Kind"`
	GSI1PK    string `dynamodbav:"GSI1PK"`
	GSI1SK    string `dynamodbav:"GSI1SK"`
	Seq       int64  `dynamodbav:"Seq"`
	FlaggedAt string `dynamodbav:"FlaggedAt"`
	Comment   string `dynamodbav:"Comment"`
	Status    string `dynamodbav:"Status"`
	// The entry as it was flagged, so that support reads the case from
	// one item.
	EntryAt      string `dynamodbav:"EntryAt"`
	Role         string `dynamodbav:"Role"`
	Organisation string `dynamodbav:"Organisation"`
	OrgCode      string `dynamodbav:"OrgCode"`
	Person       string `dynamodbav:"Person,omitempty"`
	ReaderID     string `dynamodbav:"ReaderID"`
	Data         string `dynamodbav:"Data"`
	Reason       string `dynamodbav:"Reason"`
}

// FlagStatusOpen is a flag support has not closed.
const FlagStatusOpen = "open"

// Flag is a flagged entry as support reads it.
type Flag struct {
	// Owner is the person's account (support opens the case with it).
	Owner     string    `json:"owner"`
	Seq       int64     `json:"seq"`
	FlaggedAt time.Time `json:"flaggedAt"`
	Comment   string    `json:"comment"`
	Status    string    `json:"status"`
	// The read: when, who and why.
	At           time.Time `json:"at"`
	Role         string    `json:"role"`
	Organisation string    `json:"organisation"`
	// OrganisationCode and ReaderID say which system or staff member read:
	// support investigates with them.
	OrganisationCode string `json:"organisationCode"`
	Person           string `json:"person,omitempty"`
	ReaderID         string `json:"readerId"`
	Data             string `json:"data"`
	Reason           string `json:"reason"`
}

func (l *Log) flagged(ctx context.Context, sub string) (map[int64]bool, error) {
	out := map[int64]bool{}
	cursor := ""
	for {
		var items []flagItem
		next, err := l.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ReadFlagPrefix, Cursor: cursor, Consistent: true}, &items)
		if err != nil {
			return nil, fmt.Errorf("read access log flags: %w", err)
		}
		for _, it := range items {
			out[it.Seq] = true
		}
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// Flag reports entry seq of the person's own log as a read they do not
// recognise, with their comment (DefaultComment when blank), and records it
// in their activity journal with the flag. Errors: Unauthenticated for
// anyone without an account of their own; NotFound for no such entry;
// Invalid for a comment too long; Conflict already_flagged.
func (l *Log) Flag(ctx context.Context, a actor.Actor, seq int64, comment string) (Entry, error) {
	sub, err := a.OwnAccount()
	if err != nil {
		return Entry{}, err
	}
	if _, err := l.ready(ctx); err != nil {
		return Entry{}, err
	}
	if l.Journal == nil {
		return Entry{}, fmt.Errorf("accesslog: flags need the journal")
	}
	comment = strings.TrimSpace(strings.ToValidUTF8(comment, ""))
	switch {
	case comment == "":
		comment = DefaultComment
	case utf8.RuneCountInString(comment) > MaxComment:
		return Entry{}, invalid("comment", "comment.length", fmt.Sprintf("Комментарий — не длиннее %d символов", MaxComment))
	case strings.ContainsFunc(comment, func(r rune) bool { return r < ' ' && r != '\n' }):
		return Entry{}, invalid("comment", "comment.chars", "Комментарий не должен содержать управляющих символов")
	}
	if seq < 1 {
		return Entry{}, problem.NotFound("запись журнала доступа")
	}
	var it entryItem
	if err := l.DB.Get(ctx, dynamo.ReadLogKey(sub, seq), "запись журнала доступа", &it); err != nil {
		return Entry{}, err
	}
	e := entryOf(it)
	now := l.now()
	fk := dynamo.ReadFlagKey(sub, seq)
	flag := flagItem{PK: fk.PK, SK: fk.SK, Kind: kindFlag, GSI1PK: dynamo.ReadFlagsPK,
		GSI1SK: stamp(now) + "#" + sub + "#" + strconv.FormatInt(seq, 10), Seq: seq, FlaggedAt: stamp(now), Comment: comment,
		Status: FlagStatusOpen, EntryAt: it.At, Role: it.Role, Organisation: it.Organisation, OrgCode: it.OrgCode,
		Person: it.Person, ReaderID: it.ReaderID, Data: e.Data, Reason: it.ReasonTitle}
	_, err = l.Journal.Commit(ctx, sub, func(ctx context.Context, tx *dynamo.Tx) (journal.Entry, error) {
		var prev flagItem
		switch err := l.DB.Get(ctx, fk, "отметка", &prev); {
		case err == nil:
			return journal.Entry{}, problem.Conflict("already_flagged", "Вы уже сообщили об этом обращении к вашим данным")
		case !problem.Is(err, problem.KindNotFound):
			return journal.Entry{}, err
		}
		tx.Create(flag)
		role, id := journal.By(a, sub)
		return journal.Entry{Type: journal.TypeAccessFlag, Actor: role, ActorID: id, IP: a.IP,
			Summary: fmt.Sprintf("Вы сообщили, что не узнаёте обращение к вашим данным: %s, %s (запись №\u00a0%d журнала доступа). Обращение передано в службу поддержки",
				it.Organisation, e.Data, seq)}, nil
	})
	if err != nil {
		return Entry{}, err
	}
	e.Flagged = true
	return e, nil
}

// Flags are support's queue of flagged reads, newest first. Errors:
// Forbidden for anyone but a support operator; BadRequest for a bad cursor.
func (l *Log) Flags(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]Flag, string, error) {
	if !a.In(actor.GroupSupport) || a.IsMachine() {
		return nil, "", problem.New(problem.KindForbidden, "not_support", "Раздел доступен только операторам поддержки")
	}
	var items []flagItem
	next, err := l.DB.Query(ctx, dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.ReadFlagsPK, Cursor: cursor, Limit: limit}, &items)
	if err != nil {
		return nil, "", fmt.Errorf("list flagged reads: %w", err)
	}
	out := make([]Flag, 0, len(items))
	for _, it := range items {
		owner, _ := strings.CutPrefix(it.PK, "USER#")
		out = append(out, Flag{Owner: owner, Seq: it.Seq, FlaggedAt: parseStamp(it.FlaggedAt), Comment: it.Comment, Status: it.Status,
			At: parseStamp(it.EntryAt), Role: it.Role, Organisation: it.Organisation, OrganisationCode: it.OrgCode, Person: it.Person,
			ReaderID: it.ReaderID, Data: it.Data, Reason: it.Reason})
	}
	return out, next, nil
}
