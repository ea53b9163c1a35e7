package payments

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

// Who holds a driver licence, a vehicle registration certificate or a
// utility account is recorded under the identifier's blind-index hash
// (PAYERID#<kind>#<hash>, one item per person, with the sources it came
// from: a vehicle, an identity document, a utility account). A SNILS and
// an INN need no record here: accounts keep their unique claims.
//
// A charge posted and an identifier added at the same moment still meet:
// the post writes the charge's payer index and then reads the holders; the
// addition writes the holder and then reads the payer index, both strongly
// consistent, so at least one of them sees the other.

type holderItem struct {
	PK      string   `dynamodbav:"PK"`
	SK      string   `dynamodbav:"SK"`
	Kind    string   `dynamodbav:"Kind"`
	Sub     string   `dynamodbav:"Sub"`
	Sources []string `dynamodbav:"Sources,stringset,omitempty"`
}

const kindHolder = "payer-holder"

// holders are the people holding an identifier.
func (c *Charges) holders(ctx context.Context, kind, hash string) ([]string, error) {
	var subs []string
	p := dynamo.Page{Partition: dynamo.PayerIDPK(kind, hash), Forward: true, Consistent: true}
	for {
		var page []holderItem
		next, err := c.d.DB.Query(ctx, p, &page)
		if err != nil {
			return nil, err
		}
		for _, h := range page {
			subs = append(subs, h.Sub)
		}
		if next == "" {
			return subs, nil
		}
		p.Cursor = next
	}
}

// chargesOf are the УИН of the charges posted for an identifier.
func (c *Charges) chargesOf(ctx context.Context, kind, hash string) ([]string, error) {
	var uins []string
	p := dynamo.Page{Partition: dynamo.PayerPK(kind, hash), Forward: true, Consistent: true}
	for {
		var page []payerIndexItem
		next, err := c.d.DB.Query(ctx, p, &page)
		if err != nil {
			return nil, err
		}
		for _, it := range page {
			uins = append(uins, it.UIN)
		}
		if next == "" {
			return uins, nil
		}
		p.Cursor = next
	}
}

// hold records that sub holds an identifier through source, then links the
// charges already posted for it. It returns how many there are.
func (c *Charges) hold(ctx context.Context, sub, kind, hash, source string) (int, error) {
	k := dynamo.PayerIDKey(kind, hash, sub)
	upd := expression.Set(expression.Name(dynamo.AttrKind), expression.Value(kindHolder)).
		Set(expression.Name("Sub"), expression.Value(sub)).
		Add(expression.Name("Sources"), expression.Value(stringSet{source}))
	tx := &dynamo.Tx{}
	tx.Update(k, upd, nil)
	if err := c.d.DB.Transact(ctx, "", tx); err != nil {
		return 0, err
	}
	return c.resyncIdentifier(ctx, kind, hash)
}

// release records that source no longer gives sub the identifier (the
// record goes with its last source), then unlinks the unpaid charges sub
// no longer holds an identifier of.
func (c *Charges) release(ctx context.Context, sub, kind, hash, source string) error {
	k := dynamo.PayerIDKey(kind, hash, sub)
	var h holderItem
	switch err := c.d.DB.Get(ctx, k, "идентификатор", &h); {
	case problem.Is(err, problem.KindNotFound):
		return nil
	case err != nil:
		return err
	}
	tx := &dynamo.Tx{}
	if rest := slices.DeleteFunc(slices.Clone(h.Sources), func(s string) bool { return s == source }); len(rest) == 0 {
		tx.DeleteIf(k, expression.Name("Sources").Contains(source).And(expression.Size(expression.Name("Sources")).Equal(expression.Value(1))))
	} else {
		// The rest, if nothing was added meanwhile (DELETE of a set member
		// is avoided: the local DynamoDB gets it wrong).
		same := expression.Size(expression.Name("Sources")).Equal(expression.Value(len(h.Sources)))
		tx.Update(k, expression.Set(expression.Name("Sources"), expression.Value(stringSet(rest))), &same)
	}
	if err := c.d.DB.Transact(ctx, "", tx); err != nil {
		return err
	}
	_, err := c.resyncIdentifier(ctx, kind, hash)
	return err
}

// resyncIdentifier brings the links of every charge of an identifier up to
// date with who holds what now.
func (c *Charges) resyncIdentifier(ctx context.Context, kind, hash string) (int, error) {
	uins, err := c.chargesOf(ctx, kind, hash)
	if err != nil {
		return 0, err
	}
	var failed []error
	for _, uin := range uins {
		ch, exists, err := c.charge(ctx, uin)
		if err == nil && exists {
			_, err = c.syncOwners(ctx, ch)
		}
		if err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		return len(uins), errors.Join(failed...)
	}
	return len(uins), nil
}

// Identity documents give charges a person by the driver licence and the
// vehicle registration certificate recorded among them: the accounts'
// IdentityDocs call these (accounts.PayerHook) after a record commits.

var docKinds = map[string]string{"driver_license": IDDriverLicence, "vehicle_registration": IDVehicleCert}

// DocumentAdded records a driver licence or a vehicle registration
// certificate of sub (any other type, or a number not in the 10-character
// form, is ignored) and links the charges posted for it.
func (c *Charges) DocumentAdded(ctx context.Context, sub, docType, docID, number string) error {
	kind, hash, ok, err := c.docHash(ctx, docType, number)
	if !ok || err != nil {
		return err
	}
	_, err = c.hold(ctx, sub, kind, hash, "iddoc:"+docID)
	return err
}

// DocumentRemoved undoes DocumentAdded for a record deleted or renumbered
// (number is the number it had).
func (c *Charges) DocumentRemoved(ctx context.Context, sub, docType, docID, number string) error {
	kind, hash, ok, err := c.docHash(ctx, docType, number)
	if !ok || err != nil {
		return err
	}
	return c.release(ctx, sub, kind, hash, "iddoc:"+docID)
}

func (c *Charges) docHash(ctx context.Context, docType, number string) (kind, hash string, ok bool, err error) {
	kind, ok = docKinds[docType]
	if !ok {
		return "", "", false, nil
	}
	v, verr := NormalizeDocumentNumber(number)
	if verr != nil {
		return "", "", false, nil
	}
	ix, err := c.index(ctx)
	if err != nil {
		return "", "", false, err
	}
	return kind, ix.Of(kind, v), true, nil
}

// IdentityChecked links the charges posted for sub's SNILS and INN once the
// account's level allows it (standard or confirmed), and after the INN
// changes: accounts call it after a registrar raises the level or a
// change of INN is approved.
func (c *Charges) IdentityChecked(ctx context.Context, sub string) error {
	keys, err := c.d.People.PayerKeys(ctx, sub)
	if err != nil {
		return err
	}
	if !keys.Level.AtLeast(accounts.LevelStandard) {
		return nil
	}
	var failed []error
	for kind, hash := range map[string]string{IDSNILS: keys.SNILSHash, IDINN: keys.INNHash} {
		if hash == "" {
			continue
		}
		if _, err := c.resyncIdentifier(ctx, kind, hash); err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		logging.From(ctx).Error("charges of a checked identity not all linked", "failed", len(failed))
		return errors.Join(failed...)
	}
	return nil
}

var _ accounts.PayerHook = (*Charges)(nil)

// normalizePlate reads a Russian registration plate: a letter, three
// digits, two letters and a region of two or three digits ("А123ВС77"),
// Latin look-alikes made Cyrillic. ok is false for anything else.
func normalizePlate(s string) (string, bool) {
	var b []rune
	for _, r := range strings.ToUpper(s) {
		if r == ' ' || r == '-' {
			continue
		}
		if c, ok := latinToCyrillic[r]; ok {
			r = c
		}
		b = append(b, r)
	}
	if len(b) != 8 && len(b) != 9 {
		return "", false
	}
	const letters = "АВЕКМНОРСТУХ"
	for i, r := range b {
		letter := strings.ContainsRune(letters, r)
		digit := r >= '0' && r <= '9'
		if (i == 0 || i == 4 || i == 5) && !letter || !(i == 0 || i == 4 || i == 5) && !digit {
			return "", false
		}
	}
	return string(b), true
}
