package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kabinet/kabinet/shared/problem"
)

// Page asks for one page of a partition, newest first unless Forward.
type Page struct {
	// Index is "" for the table, or IndexGSI1 / IndexGSI2.
	Index string
	// Partition is the partition key value; callers derive it from the verified
	// identity, never from client input.
	Partition string
	// Prefix restricts the sort key to begins_with(Prefix) when set.
	Prefix string
	// From and To restrict the sort key to [From, To] when both are set.
	From, To string
	Limit    int32
	Forward  bool
	// Filter drops items of the page after they are read (within the
	// partition, never a scan); pages may then come back short.
	Filter *expression.ConditionBuilder
	// Cursor is the opaque value a previous page returned.
	Cursor string
	// Consistent reads the table strongly consistently (indexes cannot):
	// for a read that must see a write made just before elsewhere.
	Consistent bool
}

func (p Page) keyNames() (pk, sk string) {
	switch p.Index {
	case IndexGSI1:
		return AttrGSI1PK, AttrGSI1SK
	case IndexGSI2:
		return AttrGSI2PK, AttrGSI2SK
	}
	return AttrPK, AttrSK
}

// MaxPageSize caps every page.
const MaxPageSize = 100

// Query reads one page into out (a pointer to a slice of item structs) and
// returns the cursor of the next page, "" at the end.
func (s *Store) Query(ctx context.Context, p Page, out any) (string, error) {
	pkName, skName := p.keyNames()
	if p.Limit <= 0 || p.Limit > MaxPageSize {
		p.Limit = MaxPageSize
	}
	kc := expression.Key(pkName).Equal(expression.Value(p.Partition))
	switch {
	case p.From != "" && p.To != "":
		kc = kc.And(expression.Key(skName).Between(expression.Value(p.From), expression.Value(p.To)))
	case p.Prefix != "":
		kc = kc.And(expression.Key(skName).BeginsWith(p.Prefix))
	}
	b := expression.NewBuilder().WithKeyCondition(kc)
	if p.Filter != nil {
		b = b.WithFilter(*p.Filter)
	}
	expr, err := b.Build()
	if err != nil {
		return "", fmt.Errorf("build query: %w", err)
	}
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), KeyConditionExpression: expr.KeyCondition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		Limit: aws.Int32(p.Limit), ScanIndexForward: aws.Bool(p.Forward), FilterExpression: expr.Filter(),
	}
	if p.Index != "" {
		in.IndexName = aws.String(p.Index)
	} else if p.Consistent {
		in.ConsistentRead = aws.Bool(true)
	}
	if p.Cursor != "" {
		start, err := decodeCursor(p, pkName, skName)
		if err != nil {
			return "", err
		}
		in.ExclusiveStartKey = start
	}
	res, err := s.api.Query(ctx, in)
	if err != nil {
		return "", translate("query "+p.Partition, err)
	}
	if err := attributevalue.UnmarshalListOfMaps(res.Items, out); err != nil {
		return "", fmt.Errorf("decode page: %w", err)
	}
	if len(res.LastEvaluatedKey) == 0 {
		return "", nil
	}
	return encodeCursor(res.LastEvaluatedKey)
}

func encodeCursor(lek map[string]types.AttributeValue) (string, error) {
	flat := make(map[string]string, len(lek))
	for k, v := range lek {
		sv, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return "", fmt.Errorf("cursor: key attribute %s is not a string", k)
		}
		flat[k] = sv.Value
	}
	b, err := json.Marshal(flat)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// CursorAt is the cursor that resumes a query of the table (not an
// index) after the item with key k, in the format Query returns: for a
// caller that stops reading inside a page. Query accepts it back only for
// k's partition and a range that holds k.SK.
func CursorAt(k Key) (string, error) {
	return encodeCursor(map[string]types.AttributeValue{
		AttrPK: &types.AttributeValueMemberS{Value: k.PK}, AttrSK: &types.AttributeValueMemberS{Value: k.SK}})
}

// errCursor is a new error each time: callers may add to a *problem.Error,
// and a shared one would carry that into every later request.
func errCursor() error {
	return problem.BadRequest("invalid_cursor", "Некорректный курсор страницы: начните список сначала")
}

// decodeCursor accepts only a cursor that stays inside the requested
// partition and range: a client cannot edit it into someone else's data,
// because the partition comes from the server and is compared here.
func decodeCursor(p Page, pkName, skName string) (map[string]types.AttributeValue, error) {
	if len(p.Cursor) > 2048 {
		return nil, errCursor()
	}
	b, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err != nil {
		return nil, errCursor()
	}
	var flat map[string]string
	if err := json.Unmarshal(b, &flat); err != nil {
		return nil, errCursor()
	}
	want := []string{AttrPK, AttrSK}
	if pkName != AttrPK {
		want = append(want, pkName, skName)
	}
	got := make([]string, 0, len(flat))
	for k := range flat {
		got = append(got, k)
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(want, ",") != strings.Join(got, ",") {
		return nil, errCursor()
	}
	sk := flat[skName]
	if flat[pkName] != p.Partition ||
		(p.Prefix != "" && !strings.HasPrefix(sk, p.Prefix)) ||
		(p.From != "" && p.To != "" && (sk < p.From || sk > p.To)) {
		return nil, errCursor()
	}
	out := make(map[string]types.AttributeValue, len(flat))
	for k, v := range flat {
		out[k] = &types.AttributeValueMemberS{Value: v}
	}
	return out, nil
}

// Collect reads pages of p and keeps the items keep accepts, until limit
// are kept or the partition ends; it returns them with the cursor to go on
// from. It filters in code rather than with a FilterExpression: DynamoDB
// bills a filter for every item read anyway, and a page then holds exactly
// what the caller asked for.
func Collect[T any](ctx context.Context, s *Store, p Page, limit int, keep func(T) bool) ([]T, string, error) {
	if limit <= 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	out := make([]T, 0, limit)
	p.Limit = int32(limit)
	for {
		var page []T
		next, err := s.Query(ctx, p, &page)
		if err != nil {
			return nil, "", err
		}
		for i, it := range page {
			if !keep(it) {
				continue
			}
			out = append(out, it)
			if len(out) == limit {
				if i == len(page)-1 {
					return out, next, nil
				}
				// Stop inside the page: the cursor is this item's key.
				cur, err := cursorAt(p, page, i)
				return out, cur, err
			}
		}
		if next == "" {
			return out, "", nil
		}
		p.Cursor = next
	}
}

// cursorAt makes the cursor that resumes after page[i]: its table key, and
// the index key when p reads an index.
func cursorAt(p Page, page any, i int) (string, error) {
	items, err := attributevalue.MarshalList(page)
	if err != nil {
		return "", err
	}
	m, ok := items[i].(*types.AttributeValueMemberM)
	if !ok {
		return "", fmt.Errorf("cursor: item is not a map")
	}
	key := map[string]types.AttributeValue{}
	names := []string{AttrPK, AttrSK}
	if pk, sk := p.keyNames(); pk != AttrPK {
		names = append(names, pk, sk)
	}
	for _, name := range names {
		if v, ok := m.Value[name]; ok {
			key[name] = v
		}
	}
	return encodeCursor(key)
}

// rawPage reads one page of a partition as raw items.
func (s *Store) rawPage(ctx context.Context, pk, cursor string) ([]map[string]types.AttributeValue, string, error) {
	p := Page{Partition: pk, Cursor: cursor, Limit: MaxPageSize, Forward: true}
	kc := expression.Key(AttrPK).Equal(expression.Value(pk))
	expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return nil, "", err
	}
	in := &dynamodb.QueryInput{TableName: aws.String(s.table), KeyConditionExpression: expr.KeyCondition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(), Limit: aws.Int32(p.Limit)}
	if cursor != "" {
		start, err := decodeCursor(p, AttrPK, AttrSK)
		if err != nil {
			return nil, "", err
		}
		in.ExclusiveStartKey = start
	}
	res, err := s.api.Query(ctx, in)
	if err != nil {
		return nil, "", translate("query "+pk, err)
	}
	if len(res.LastEvaluatedKey) == 0 {
		return res.Items, "", nil
	}
	next, err := encodeCursor(res.LastEvaluatedKey)
	return res.Items, next, err
}
