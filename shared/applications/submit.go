package applications

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/documents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/workdays"
)

// Signing is how to sign a draft before submitting it.
type Signing struct {
	accounts.SignaturePending
	// Version is the draft's version the code signs; the submission must be
	// of this version (If-Match).
	Version int64 `json:"version"`
}

// attachmentsDigest names a set of attachments whatever their order.
func attachmentsDigest(ids []string) string {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	sum := sha256.Sum256([]byte(strings.Join(slices.Compact(sorted), "\n")))
	return hex.EncodeToString(sum[:])
}

// StartSigning prepares the signature of one of the actor's drafts whose
// service needs one, with the attachments it will be submitted with: a code
// by SMS, or the authenticator for those who use one. Conflict
// illegal_transition once submitted, signature_not_needed for a service
// without a signature.
func (s *Service) StartSigning(ctx context.Context, a actor.Actor, id string, attachments []string) (Signing, error) {
	it, err := s.table().app(ctx, a.Sub, id)
	if err != nil {
		return Signing{}, err
	}
	if it.Status != Draft {
		return Signing{}, problem.Conflict("illegal_transition", "Заявление уже подано")
	}
	if svc, _ := catalog.Get(it.Service); !svc.Signature {
		return Signing{}, problem.Conflict("signature_not_needed", "Эта услуга не требует подписи: заявление подаётся без кода")
	}
	p, err := s.Signatures.StartSignature(ctx, it.Sub, id, it.V, attachmentsDigest(attachments))
	if err != nil {
		return Signing{}, err
	}
	return Signing{SignaturePending: p, Version: it.V}, nil
}

// staleDraft answers a submission of a draft that changed or was submitted
// since it was read.
func staleDraft() error {
	return problem.Conflict("stale_version", "Черновик изменился или уже подан. Обновите страницу")
}

// Submit sends one of the actor's drafts, read at ifVersion, to the
// department. It checks the account's level (Forbidden level_too_low), the
// form and the required scans (Invalid, every field named) and, where the
// service asks for it, the signature code; it gives the application its
// unique number and due date. Conflict illegal_transition once submitted,
// stale_version when the draft changed since.
func (s *Service) Submit(ctx context.Context, a actor.Actor, id string, attachments []string, signature string, ifVersion int64) (App, error) {
	it, err := s.table().app(ctx, a.Sub, id)
	if err != nil {
		return App{}, err
	}
	if it.Status != Draft {
		return App{}, problem.Conflict("illegal_transition", "Заявление уже подано")
	}
	if it.V != ifVersion {
		return App{}, staleDraft()
	}
	svc, _ := catalog.Get(it.Service)
	if err := s.requireLevel(ctx, it.Sub, svc); err != nil {
		return App{}, err
	}
	raw, err := s.Sealer.Open(ctx, it.Values, valuesContext(it.Sub, id))
	if err != nil {
		return App{}, err
	}
	values := map[string]any{}
	_ = json.Unmarshal(raw, &values)
	var fields []problem.Field
	for _, fe := range svc.Validate(values) {
		fields = append(fields, problem.Field{Field: "values." + fe.Field, Code: fe.Code, Message: fe.Message})
	}
	docs, err := s.checkAttachments(ctx, it.Sub, attachments)
	if err != nil {
		return App{}, err
	}
	for _, need := range svc.Documents {
		if !docs[need.Type] {
			fields = append(fields, problem.Field{Field: "attachments", Code: "document.missing", Message: "Приложите документ: " + need.Title})
		}
	}
	if len(fields) > 0 {
		return App{}, problem.Invalid(fields...)
	}
	// A request about a charge goes to the charge's department, and marks
	// the charge in the submission's transaction.
	var reqTx *dynamo.Tx
	var opened payments.Opened
	if svc.ChargeRequest != nil {
		reqTx = &dynamo.Tx{}
		if opened, err = s.openRequest(ctx, reqTx, it, svc, values, s.Clock.Now()); err != nil {
			return App{}, err
		}
		it.Department = opened.Department
	}
	// The signature is checked last, so a form sent back for a fix does
	// not use up the code; the code is used up by the submit transaction.
	useSignature := func(*dynamo.Tx) {}
	if svc.Signature {
		if useSignature, err = s.Signatures.CheckSignature(ctx, it.Sub, id, it.V, attachmentsDigest(attachments), strings.TrimSpace(signature)); err != nil {
			// A concurrent submission may have used the code up: then the
			// draft is gone, and that is the answer.
			if now, rerr := s.table().app(ctx, it.Sub, id); problem.Is(err, problem.KindInvalid) && rerr == nil && (now.Status != Draft || now.V != it.V) {
				return App{}, staleDraft()
			}
			return App{}, err
		}
	}
	now := s.Clock.Now()
	n, err := s.table().nextNumber(ctx, now)
	if err != nil {
		return App{}, err
	}
	number := fmt.Sprintf("%s-%s-%06d", now.UTC().Format("2006"), now.UTC().Format("0102"), n)
	tx := &dynamo.Tx{}
	duty := ""
	if svc.FeeKopecks > 0 && s.Duties != nil {
		if duty, err = s.Duties.DutyTx(ctx, tx, payments.Duty{Sub: it.Sub, ApplicationID: id, Number: number, ServiceTitle: svc.Title,
			Department: svc.Department, Amount: svc.FeeKopecks}, now); err != nil {
			return App{}, err
		}
	}
	sub := submission{number: number, due: workdays.Add(now, svc.WorkingDays).Format("2006-01-02"), at: now,
		attachments: attachments, duty: duty}
	if reqTx != nil {
		sub.request = &requestState{ChargeUIN: opened.UIN, RequestAmount: opened.Amount, RefundReason: opened.Reason}
	}
	s.table().submitWrite(tx, it, sub)
	for _, d := range attachments {
		documents.Attach(tx, it.Sub, d)
	}
	useSignature(tx)
	comment := ""
	if svc.Signature {
		comment = "Подписано простой электронной подписью"
	}
	s.table().putLog(tx, it.Sub, id, LogEntry{At: now, From: Draft, To: Submitted, Role: RoleCitizen, Comment: comment})
	if err := s.note(tx, it.Sub, number, svc.Title, Submitted, "", id, now); err != nil {
		return App{}, err
	}
	if err := s.submitTx(ctx, it, svc, values, tx, reqTx, now); err != nil {
		return App{}, err
	}
	if reqTx != nil {
		s.Requests.SyncCharge(ctx, opened.UIN)
	}
	role, by := journal.By(a, it.Sub)
	s.journal(ctx, it.Sub, journal.Entry{Type: journal.TypeApplicationSubmit, Summary: "Подано заявление № " + number + ": " + svc.Title,
		IP: a.IP, Actor: role, ActorID: by})
	if it, err = s.table().app(ctx, it.Sub, id); err != nil {
		return App{}, err
	}
	out, err := s.view(ctx, it, RoleCitizen)
	if err != nil {
		return App{}, err
	}
	if out, err = s.withRequest(ctx, out, it, RoleCitizen); err != nil {
		return App{}, err
	}
	return s.withDuty(ctx, out, it)
}

// checkAttachments returns the types of the user's ready scans among ids;
// an id that is not the user's ready scan is a 422.
func (s *Service) checkAttachments(ctx context.Context, sub string, ids []string) (map[string]bool, error) {
	types := map[string]bool{}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return nil, problem.Invalid(problem.Field{Field: "attachments", Code: "document.duplicate", Message: "Документ приложен дважды"})
		}
		seen[id] = true
		d, err := s.table().document(ctx, sub, id)
		if problem.Is(err, problem.KindNotFound) || (err == nil && d.State != documents.StateReady) {
			return nil, problem.Invalid(problem.Field{Field: "attachments", Code: "document.unavailable", Message: "Документ не найден или ещё не проверен"})
		}
		if err != nil {
			return nil, err
		}
		types[d.Type] = true
	}
	return types, nil
}

// submitTx writes a submission. A request about a charge is written with
// its charge's side, built again when the charge moved meanwhile (while
// the draft is as it was read), so that a concurrent request about the
// same charge is answered as such.
func (s *Service) submitTx(ctx context.Context, it appItem, svc catalog.Service, values map[string]any, tx, reqTx *dynamo.Tx, now time.Time) error {
	for attempt := 0; ; attempt++ {
		t := tx
		if reqTx != nil {
			t = (&dynamo.Tx{}).Add(tx).Add(reqTx)
		}
		err := s.table().transact(ctx, t)
		if err == nil {
			return nil
		}
		if !problem.Is(err, problem.KindConflict) {
			return err
		}
		if reqTx == nil || attempt == maxRequestAttempts-1 {
			return staleDraft()
		}
		if cur, err := s.table().app(ctx, it.Sub, it.ID); err != nil || cur.Status != Draft || cur.V != it.V {
			return staleDraft()
		}
		reqTx = &dynamo.Tx{}
		if _, err := s.openRequest(ctx, reqTx, it, svc, values, now); err != nil {
			return err
		}
	}
}

// maxRequestAttempts bounds the writes of a request about a charge lost to
// a concurrent writer of the charge.
const maxRequestAttempts = 4
