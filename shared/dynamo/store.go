package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kabinet/kabinet/shared/problem"
)

// API is the part of the DynamoDB client Kabinet uses. It has no Scan: no code
// path can scan the table (a test also checks the source for it).
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	TransactGetItems(context.Context, *dynamodb.TransactGetItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactGetItemsOutput, error)
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Store is the single table.
type Store struct {
	api   API
	table string
}

// New returns a store over a table.
func New(api API, table string) *Store { return &Store{api: api, table: table} }

// Table returns the table name.
func (s *Store) Table() string { return s.table }

// Ping checks that the table exists and is reachable.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)})
	return err
}

func marshalKey(k Key) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: &types.AttributeValueMemberS{Value: k.PK},
		AttrSK: &types.AttributeValueMemberS{Value: k.SK},
	}
}

// translate turns SDK errors into application errors at the store boundary:
// a failed condition is a Conflict; everything else stays internal.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return problem.Wrap(fmt.Errorf("%s: %w", op, err), problem.KindConflict, "conflict", "Данные уже изменены или такая запись уже есть")
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, r := range tce.CancellationReasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" {
				return problem.Wrap(fmt.Errorf("%s: %w", op, err), problem.KindConflict, "conflict", "Данные уже изменены или такая запись уже есть")
			}
		}
		// TransactionConflict and the like: another writer got there at the
		// same moment; the caller may simply retry.
		return problem.Wrap(fmt.Errorf("%s: %w", op, err), problem.KindUnavailable, "busy", "Данные сейчас изменяются, повторите попытку")
	}
	var tip *types.TransactionInProgressException
	if errors.As(err, &tip) {
		return problem.Wrap(fmt.Errorf("%s: %w", op, err), problem.KindUnavailable, "busy", "Данные сейчас изменяются, повторите попытку")
	}
	var ipm *types.IdempotentParameterMismatchException
	if errors.As(err, &ipm) {
		return problem.Wrap(fmt.Errorf("%s: %w", op, err), problem.KindConflict, "idempotency_mismatch", "Повторный запрос с тем же ключом отличается от первого")
	}
	var thr *types.ProvisionedThroughputExceededException
	var lim *types.RequestLimitExceeded
	if errors.As(err, &thr) || errors.As(err, &lim) {
		return problem.Wrap(fmt.Errorf("%s: %w", op, err), problem.KindUnavailable, "busy", "Сервис перегружен, повторите попытку позже")
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Get reads one item into out; a missing item is NotFound(what).
func (s *Store) Get(ctx context.Context, k Key, what string, out any) error {
	res, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: marshalKey(k), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return translate("get "+k.PK, err)
	}
	// An item always has its key: an empty one is none (minidyn's
	// in-process client answers a missing item so).
	if len(res.Item) == 0 {
		return problem.NotFound(what)
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return fmt.Errorf("decode %s: %w", k.PK, err)
	}
	return nil
}

// Create writes an item that must not exist yet; an existing one is a Conflict.
func (s *Store) Create(ctx context.Context, item any) error {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return fmt.Errorf("encode item: %w", err)
	}
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(" + AttrPK + ")"),
	})
	return translate("create", err)
}

// PutVersioned writes an item whose V attribute is expected to be version-1
// (0 meaning "must not exist"): the optimistic lock behind every
// read-modify-write. A stale version is a Conflict with code "stale_version".
func (s *Store) PutVersioned(ctx context.Context, item any, version int64) error {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return fmt.Errorf("encode item: %w", err)
	}
	av[AttrVersion] = &types.AttributeValueMemberN{Value: strconv.FormatInt(version, 10)}
	cond := expression.AttributeNotExists(expression.Name(AttrPK))
	if version > 1 {
		cond = expression.Name(AttrVersion).Equal(expression.Value(version - 1))
	}
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("build condition: %w", err)
	}
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: av, ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	if err = translate("put versioned", err); problem.Is(err, problem.KindConflict) {
		pe, _ := problem.As(err)
		pe.Code, pe.Detail = "stale_version", "Данные изменились после того, как вы их открыли. Обновите страницу и повторите"
	}
	return err
}

// Delete removes an item; removing a missing item is not an error.
func (s *Store) Delete(ctx context.Context, k Key) error {
	_, err := s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: marshalKey(k)})
	return translate("delete "+k.PK, err)
}

// Next increments a named counter atomically and returns its new value; two
// callers never get the same number.
func (s *Store) Next(ctx context.Context, name string) (int64, error) {
	upd, err := expression.NewBuilder().WithUpdate(expression.Add(expression.Name("N"), expression.Value(1))).Build()
	if err != nil {
		return 0, err
	}
	res, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: marshalKey(CounterKey(name)),
		UpdateExpression: upd.Update(), ExpressionAttributeNames: upd.Names(), ExpressionAttributeValues: upd.Values(),
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, translate("counter "+name, err)
	}
	var out struct{ N int64 }
	if err := attributevalue.UnmarshalMap(res.Attributes, &out); err != nil {
		return 0, fmt.Errorf("decode counter: %w", err)
	}
	return out.N, nil
}

// Increment adds by to a numeric attribute of an item (creating both),
// sets the item's expiry when given, and returns the new value; concurrent
// callers each see their own.
func (s *Store) Increment(ctx context.Context, k Key, attr string, by int64, expires time.Time) (int64, error) {
	upd := expression.Add(expression.Name(attr), expression.Value(by))
	if !expires.IsZero() {
		upd = upd.Set(expression.Name(AttrTTL), expression.Value(expires.Unix()))
	}
	expr, err := expression.NewBuilder().WithUpdate(upd).Build()
	if err != nil {
		return 0, err
	}
	res, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: marshalKey(k),
		UpdateExpression: expr.Update(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, translate("increment "+k.PK, err)
	}
	var out map[string]int64
	if err := attributevalue.UnmarshalMap(res.Attributes, &out); err != nil {
		return 0, fmt.Errorf("decode counter: %w", err)
	}
	return out[attr], nil
}

// Update applies an update expression to an existing item, under an
// optional condition; a missing item or a failed condition is a Conflict.
func (s *Store) Update(ctx context.Context, k Key, upd expression.UpdateBuilder, cond *expression.ConditionBuilder) error {
	exists := expression.AttributeExists(expression.Name(AttrPK))
	if cond != nil {
		exists = exists.And(*cond)
	}
	expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(exists).Build()
	if err != nil {
		return err
	}
	_, err = s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: marshalKey(k), UpdateExpression: expr.Update(),
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	return translate("update "+k.PK, err)
}

// Put writes an item unconditionally.
func (s *Store) Put(ctx context.Context, item any) error {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return fmt.Errorf("encode item: %w", err)
	}
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av})
	return translate("put", err)
}

// Tx collects writes that succeed or fail together.
type Tx struct {
	items []types.TransactWriteItem
	err   error
}

// Create adds a put that requires the item not to exist.
func (t *Tx) Create(item any) *Tx {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		t.err = errors.Join(t.err, err)
		return t
	}
	t.items = append(t.items, types.TransactWriteItem{Put: &types.Put{Item: av,
		ConditionExpression: aws.String("attribute_not_exists(" + AttrPK + ")")}})
	return t
}

// Put adds an unconditional put.
func (t *Tx) Put(item any) *Tx {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		t.err = errors.Join(t.err, err)
		return t
	}
	t.items = append(t.items, types.TransactWriteItem{Put: &types.Put{Item: av}})
	return t
}

// Update adds an update with an optional condition.
func (t *Tx) Update(k Key, upd expression.UpdateBuilder, cond *expression.ConditionBuilder) *Tx {
	b := expression.NewBuilder().WithUpdate(upd)
	if cond != nil {
		b = b.WithCondition(*cond)
	}
	expr, err := b.Build()
	if err != nil {
		t.err = errors.Join(t.err, err)
		return t
	}
	t.items = append(t.items, types.TransactWriteItem{Update: &types.Update{Key: marshalKey(k),
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()}})
	return t
}

// Delete adds a delete, optionally requiring the item to exist.
func (t *Tx) Delete(k Key, mustExist bool) *Tx {
	d := &types.Delete{Key: marshalKey(k)}
	if mustExist {
		d.ConditionExpression = aws.String("attribute_exists(" + AttrPK + ")")
	}
	t.items = append(t.items, types.TransactWriteItem{Delete: d})
	return t
}

// DeleteIf adds a delete under a condition.
func (t *Tx) DeleteIf(k Key, cond expression.ConditionBuilder) *Tx {
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		t.err = errors.Join(t.err, err)
		return t
	}
	t.items = append(t.items, types.TransactWriteItem{Delete: &types.Delete{Key: marshalKey(k),
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()}})
	return t
}

// Transact runs the collected writes as one transaction with an idempotency
// token (token may be empty), so a retried call does not apply twice.
func (s *Store) Transact(ctx context.Context, token string, tx *Tx) error {
	if tx.err != nil {
		return fmt.Errorf("build transaction: %w", tx.err)
	}
	for i := range tx.items {
		it := &tx.items[i]
		switch {
		case it.Put != nil:
			it.Put.TableName = aws.String(s.table)
		case it.Update != nil:
			it.Update.TableName = aws.String(s.table)
		case it.Delete != nil:
			it.Delete.TableName = aws.String(s.table)
		case it.ConditionCheck != nil:
			it.ConditionCheck.TableName = aws.String(s.table)
		}
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: tx.items}
	if token != "" {
		in.ClientRequestToken = aws.String(token)
	}
	_, err := s.api.TransactWriteItems(ctx, in)
	return translate("transaction", err)
}

// PutIf adds a put under a condition (a versioned write of a whole item).
func (t *Tx) PutIf(item any, cond expression.ConditionBuilder) *Tx {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		t.err = errors.Join(t.err, err)
		return t
	}
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		t.err = errors.Join(t.err, err)
		return t
	}
	t.items = append(t.items, types.TransactWriteItem{Put: &types.Put{Item: av, ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()}})
	return t
}

// Check adds a condition on an item the transaction does not write: the
// transaction fails (Conflict) unless it holds when it commits.
func (t *Tx) Check(k Key, cond expression.ConditionBuilder) *Tx {
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		t.err = errors.Join(t.err, err)
		return t
	}
	t.items = append(t.items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{Key: marshalKey(k),
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()}})
	return t
}

// Add adds the writes of other to t: a change built once and committed,
// in several attempts, each with writes of its own (a journal entry after
// the head it read).
func (t *Tx) Add(other *Tx) *Tx {
	t.items = append(t.items, other.items...)
	t.err = errors.Join(t.err, other.err)
	return t
}

// Len is the number of writes collected (DynamoDB takes at most MaxTxItems).
func (t *Tx) Len() int { return len(t.items) }

// MaxTxItems is the most writes one transaction may hold.
const MaxTxItems = 100
