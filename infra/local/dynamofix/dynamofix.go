// Package dynamofix fronts the minidyn emulator where it differs from
// DynamoDB in ways Kabinet's code meets:
//
//   - REMOVE: minidyn v0.8.2 evaluates "REMOVE #a" but never deletes the
//     attribute from the stored item (its environment writes back what is
//     left and forgets what was removed), so a sparse index keeps items
//     Kabinet took out of it and an attribute meant to disappear stays.
//   - Index keys set by an update: when an UpdateItem gives an item the key
//     of a secondary index it had none of, minidyn overwrites the smallest
//     entry of that index's sorted keys instead of adding one, and every
//     query of the index then loses items from there on.
//   - Index keys a put leaves out: when a PutItem, or a Put in a
//     transaction, writes an item again without the index keys it had,
//     minidyn keeps it in the index with those keys gone; the index's
//     partition no longer lists it, but every begins_with or range query of
//     the index then fails ("invalid type NULL").
//   - Transaction size: DynamoDB refuses a TransactWriteItems of more than
//     100 actions (a ValidationException); minidyn runs it, so a change that
//     would fail on AWS passed every local test.
//   - Checksums: see Checksum.
//   - Transactions: minidyn snapshots the whole table under its lock for
//     every TransactWriteItems (to roll back a failed one), so each costs
//     time in proportion to the table and a seeded table slows every
//     transaction of every test. Every transaction therefore runs on the
//     shadow table below, whose snapshot is the few items it touches.
//
// On AWS all of them work, and Kabinet's code uses them as it should; this
// front makes the emulator agree. An UpdateItem that removes top-level
// attributes or sets a secondary index's key attributes, a PutItem that
// leaves out index keys the stored item has, and every TransactWriteItems,
// runs against a shadow table: a table with the same primary key and no
// index, holding copies of the items the call touches. So its
// conditions, its expressions and its answer are minidyn's own. When it
// succeeds, each item it wrote is copied back: deleted from the real table
// and put again as the shadow holds it, without the removed attributes.
// Deleting and putting is the one way minidyn's indexes always follow
// (deleting first matters: minidyn's index keeps an item that is put again
// without its index keys). When it fails, the real table was never touched.
// Calls pass one at a time — minidyn serializes them anyway — so nobody sees
// an item between the delete and the put.
//
// The front learns each table's keys from the CreateTable call that passes
// through it; a table created otherwise is left as minidyn keeps it. Nested
// paths (a.b, list[0]) are not fixed, and ReturnValues of a call with REMOVE
// are minidyn's; Kabinet needs neither.
package dynamofix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
)

const targetPrefix = "DynamoDB_20120810."

// shadowSuffix names a table's shadow.
const shadowSuffix = ".dynamofix-shadow"

// Handler is the front; Inner is the emulator.
type Handler struct {
	Inner  http.Handler
	mu     sync.Mutex
	tables map[string]*table
}

// table is what the front knows of a table from its CreateTable call.
type table struct {
	create    createTable
	indexKeys map[string]bool
	shadow    bool // the shadow table exists
}

type keyElement struct{ AttributeName, KeyType string }

type index struct{ KeySchema []keyElement }

type createTable struct {
	TableName              string
	AttributeDefinitions   []struct{ AttributeName, AttributeType string }
	KeySchema              []keyElement
	GlobalSecondaryIndexes []index
	LocalSecondaryIndexes  []index
}

type update struct {
	TableName                string
	Key                      map[string]json.RawMessage
	UpdateExpression         string
	ExpressionAttributeNames map[string]string
}

// touch is one item a call reads or writes.
type touch struct {
	table   string
	key     map[string]json.RawMessage
	removed []string
	written bool
}

// ServeHTTP forwards the call, running the updates minidyn gets wrong
// through the shadow table.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndexByte(op, '.'); i >= 0 {
		op = op[i+1:]
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch op {
	case "CreateTable", "DeleteTable", "UpdateTable", "UpdateItem", "PutItem", "TransactWriteItems":
	default:
		h.Inner.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if op == "TransactWriteItems" {
		if n := transactItems(body); n > maxTransactItems {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = fmt.Fprintf(w, `{"__type":"com.amazon.coral.validate#ValidationException","message":"1 validation error detected: Value of %d items at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to %d"}`, n, maxTransactItems)
			return
		}
	}
	var rec *httptest.ResponseRecorder
	switch op {
	case "UpdateItem", "PutItem", "TransactWriteItems":
		if touches := h.touches(r, op, body); touches != nil {
			rec = h.shadowed(r, op, body, touches)
		} else {
			rec = h.forward(r, body)
		}
	default:
		rec = h.forward(r, body)
		if rec.Code == http.StatusOK {
			h.learn(r, op, body)
		}
	}
	reply(w, rec)
}

// maxTransactItems is the most actions DynamoDB takes in one transaction.
const maxTransactItems = 100

// transactItems counts the actions of a TransactWriteItems body.
func transactItems(body []byte) int {
	var in struct{ TransactItems []json.RawMessage }
	_ = json.Unmarshal(body, &in)
	return len(in.TransactItems)
}

func (h *Handler) forward(orig *http.Request, body []byte) *httptest.ResponseRecorder {
	r := orig.Clone(orig.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	rec := httptest.NewRecorder()
	h.Inner.ServeHTTP(rec, r)
	return rec
}

func reply(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// learn keeps a created table's keys, adds the keys of an index an
// UpdateTable creates, and forgets a deleted table (with its shadow).
func (h *Handler) learn(orig *http.Request, op string, body []byte) {
	var in createTable
	if json.Unmarshal(body, &in) != nil || in.TableName == "" {
		return
	}
	if h.tables == nil {
		h.tables = map[string]*table{}
	}
	t := h.tables[in.TableName]
	switch {
	case op == "CreateTable":
		t = &table{create: in, indexKeys: map[string]bool{}}
		h.tables[in.TableName] = t
		for _, indexes := range [][]index{in.GlobalSecondaryIndexes, in.LocalSecondaryIndexes} {
			for _, ix := range indexes {
				t.addIndex(ix.KeySchema)
			}
		}
	case t == nil:
	case op == "DeleteTable":
		if t.shadow {
			h.call(orig, "DeleteTable", map[string]any{"TableName": in.TableName + shadowSuffix})
		}
		delete(h.tables, in.TableName)
	case op == "UpdateTable":
		var upd struct {
			GlobalSecondaryIndexUpdates []struct{ Create *index }
		}
		_ = json.Unmarshal(body, &upd)
		for _, u := range upd.GlobalSecondaryIndexUpdates {
			if u.Create != nil {
				t.addIndex(u.Create.KeySchema)
			}
		}
	}
}

func (t *table) addIndex(keys []keyElement) {
	for _, k := range keys {
		t.indexKeys[k.AttributeName] = true
	}
}

// touches lists the items a write touches when one of its updates needs the
// shadow table, and nil when none does (or a table is unknown).
func (h *Handler) touches(orig *http.Request, op string, body []byte) []touch {
	var out []touch
	needed := false
	add := func(u update, written bool) bool {
		t := h.tables[u.TableName]
		if t == nil || u.Key == nil {
			return false
		}
		tc := touch{table: u.TableName, key: u.Key, written: written}
		if u.UpdateExpression != "" {
			tc.removed = Removed(u.UpdateExpression, u.ExpressionAttributeNames)
			needed = needed || len(tc.removed) > 0
			for _, n := range Assigned(u.UpdateExpression, u.ExpressionAttributeNames) {
				needed = needed || t.indexKeys[n]
			}
		}
		out = append(out, tc)
		return true
	}
	type put struct {
		TableName string
		Item      map[string]json.RawMessage
	}
	addPut := func(p put) bool {
		t := h.tables[p.TableName]
		if t == nil {
			return false
		}
		key := t.keyOf(p.Item)
		if !add(update{TableName: p.TableName, Key: key}, true) {
			return false
		}
		var left []string
		for n := range t.indexKeys {
			if _, ok := p.Item[n]; !ok {
				left = append(left, n)
			}
		}
		if len(left) == 0 || needed {
			return true
		}
		// It leaves out index keys: does the stored item have one?
		stored, failed := h.get(orig, p.TableName, key)
		for _, n := range left {
			_, had := stored[n]
			needed = needed || (failed == nil && had)
		}
		return true
	}
	switch op {
	case "UpdateItem":
		var u update
		if json.Unmarshal(body, &u) != nil || !add(u, true) {
			return nil
		}
	case "PutItem":
		var p put
		if json.Unmarshal(body, &p) != nil || !addPut(p) {
			return nil
		}
	case "TransactWriteItems":
		var tx struct {
			TransactItems []struct {
				Update, Delete, ConditionCheck *update
				Put                            *put
			}
		}
		if json.Unmarshal(body, &tx) != nil {
			return nil
		}
		for _, it := range tx.TransactItems {
			ok := false
			switch {
			case it.Update != nil:
				ok = add(*it.Update, true)
			case it.Delete != nil:
				ok = add(*it.Delete, true)
			case it.ConditionCheck != nil:
				ok = add(*it.ConditionCheck, false)
			case it.Put != nil:
				ok = addPut(*it.Put)
			}
			if !ok {
				return nil
			}
		}
		// Every transaction, not only those minidyn gets wrong: minidyn
		// snapshots the whole table under its lock for each one (to roll
		// back), so a transaction costs time in proportion to the table;
		// on the shadow it costs the items it touches.
		needed = true
	}
	if !needed {
		return nil
	}
	return out
}

// keyOf is the primary key of an item.
func (t *table) keyOf(item map[string]json.RawMessage) map[string]json.RawMessage {
	key := map[string]json.RawMessage{}
	for _, k := range t.create.KeySchema {
		v, ok := item[k.AttributeName]
		if !ok {
			return nil
		}
		key[k.AttributeName] = v
	}
	return key
}

// shadowed runs a write against the shadow table and, when it succeeds,
// copies the items it wrote back.
func (h *Handler) shadowed(orig *http.Request, op string, body []byte, touches []touch) *httptest.ResponseRecorder {
	for _, tc := range touches {
		if !h.ensureShadow(orig, tc.table) {
			return h.forward(orig, body)
		}
	}
	defer func() {
		for _, tc := range touches {
			h.call(orig, "DeleteItem", map[string]any{"TableName": tc.table + shadowSuffix, "Key": tc.key})
		}
	}()
	for _, tc := range touches {
		item, failed := h.get(orig, tc.table, tc.key)
		if failed != nil {
			return failed
		}
		if item != nil {
			h.call(orig, "PutItem", map[string]any{"TableName": tc.table + shadowSuffix, "Item": item})
		} else {
			h.call(orig, "DeleteItem", map[string]any{"TableName": tc.table + shadowSuffix, "Key": tc.key})
		}
	}
	rec := h.forward(orig, retable(op, body))
	if rec.Code == http.StatusOK {
		for _, tc := range touches {
			if !tc.written {
				continue
			}
			item, _ := h.get(orig, tc.table+shadowSuffix, tc.key)
			h.call(orig, "DeleteItem", map[string]any{"TableName": tc.table, "Key": tc.key})
			if item != nil {
				for _, n := range tc.removed {
					delete(item, n)
				}
				h.call(orig, "PutItem", map[string]any{"TableName": tc.table, "Item": item})
			}
		}
	}
	// The answer names the shadow only where it names a table.
	out := httptest.NewRecorder()
	for k, v := range rec.Header() {
		out.Header()[k] = v
	}
	out.Header().Del("Content-Length")
	out.WriteHeader(rec.Code)
	answer := rec.Body.Bytes()
	for _, tc := range touches {
		answer = bytes.ReplaceAll(answer, []byte(`"`+tc.table+shadowSuffix+`"`), []byte(`"`+tc.table+`"`))
	}
	_, _ = out.Write(answer)
	return out
}

// ensureShadow creates a table's shadow once: the same primary key, no index.
func (h *Handler) ensureShadow(orig *http.Request, name string) bool {
	t := h.tables[name]
	if t.shadow {
		return true
	}
	var defs []any
	for _, k := range t.create.KeySchema {
		for _, d := range t.create.AttributeDefinitions {
			if d.AttributeName == k.AttributeName {
				defs = append(defs, d)
			}
		}
	}
	code, _ := h.call(orig, "CreateTable", map[string]any{"TableName": name + shadowSuffix, "BillingMode": "PAY_PER_REQUEST",
		"AttributeDefinitions": defs, "KeySchema": t.create.KeySchema})
	t.shadow = code == http.StatusOK
	return t.shadow
}

// get reads an item (nil when there is none); an answer other than 200 is
// returned as it came.
func (h *Handler) get(orig *http.Request, table string, key map[string]json.RawMessage) (map[string]json.RawMessage, *httptest.ResponseRecorder) {
	rec := h.recorded(orig, "GetItem", map[string]any{"TableName": table, "Key": key, "ConsistentRead": true})
	if rec.Code != http.StatusOK {
		return nil, rec
	}
	var got struct{ Item map[string]json.RawMessage }
	_ = json.Unmarshal(rec.Body.Bytes(), &got)
	return got.Item, nil
}

// retable points every table name of a write at its shadow.
func retable(op string, body []byte) []byte {
	var in map[string]json.RawMessage
	if json.Unmarshal(body, &in) != nil {
		return body
	}
	shadow := func(m map[string]json.RawMessage) {
		var name string
		if json.Unmarshal(m["TableName"], &name) == nil {
			m["TableName"], _ = json.Marshal(name + shadowSuffix)
		}
	}
	if op == "UpdateItem" || op == "PutItem" {
		shadow(in)
	} else {
		var items []map[string]map[string]json.RawMessage
		if json.Unmarshal(in["TransactItems"], &items) != nil {
			return body
		}
		for _, it := range items {
			for _, action := range it {
				shadow(action)
			}
		}
		in["TransactItems"], _ = json.Marshal(items)
	}
	out, err := json.Marshal(in)
	if err != nil {
		return body
	}
	return out
}

func (h *Handler) call(orig *http.Request, op string, in any) (int, []byte) {
	rec := h.recorded(orig, op, in)
	return rec.Code, rec.Body.Bytes()
}

func (h *Handler) recorded(orig *http.Request, op string, in any) *httptest.ResponseRecorder {
	b, _ := json.Marshal(in)
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(b)).WithContext(orig.Context())
	req.Header.Set("X-Amz-Target", targetPrefix+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("Authorization", orig.Header.Get("Authorization"))
	rec := httptest.NewRecorder()
	h.Inner.ServeHTTP(rec, req)
	return rec
}

var clause = regexp.MustCompile(`(?i)\b(SET|REMOVE|ADD|DELETE)\b`)

// actions returns the actions of an update expression's clause (SET,
// REMOVE, ...), split at the commas outside parentheses.
func actions(expr, keyword string) []string {
	idx := clause.FindAllStringSubmatchIndex(expr, -1)
	var out []string
	for i, m := range idx {
		if !strings.EqualFold(expr[m[2]:m[3]], keyword) {
			continue
		}
		end := len(expr)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		depth, start := 0, m[1]
		for j := m[1]; j <= end; j++ {
			switch {
			case j == end || (expr[j] == ',' && depth == 0):
				if a := strings.TrimSpace(expr[start:j]); a != "" {
					out = append(out, a)
				}
				start = j + 1
			case expr[j] == '(':
				depth++
			case expr[j] == ')':
				depth--
			}
		}
	}
	return out
}

// topLevel resolves a path to a top-level attribute name ("" for a nested
// path).
func topLevel(path string, names map[string]string) string {
	path = strings.TrimSpace(path)
	if path == "" || strings.ContainsAny(path, ".[") {
		return ""
	}
	if real, ok := names[path]; ok {
		return real
	}
	return path
}

// Removed lists the top-level attribute names an update expression's
// REMOVE clause takes away, with #placeholders resolved.
func Removed(expr string, names map[string]string) []string {
	var out []string
	for _, a := range actions(expr, "REMOVE") {
		if n := topLevel(a, names); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// Assigned lists the top-level attribute names an update expression's SET
// clause assigns, with #placeholders resolved.
func Assigned(expr string, names map[string]string) []string {
	var out []string
	for _, a := range actions(expr, "SET") {
		path, _, ok := strings.Cut(a, "=")
		if n := topLevel(path, names); ok && n != "" {
			out = append(out, n)
		}
	}
	return out
}
