// Package dynamofix fronts the minidyn emulator to make REMOVE work.
// minidyn v0.8.2 evaluates "REMOVE #a" but never deletes the attribute from
// the stored item (its environment writes back what is left and forgets
// what was removed), so a sparse index keeps items Kabinet took out of it
// and an attribute meant to disappear stays. On AWS REMOVE works; Kabinet's
// code uses it as it should, and this front makes the emulator agree.
//
// After an UpdateItem, or a TransactWriteItems, that removed top-level
// attributes succeeds, the front reads each item back, deletes it and puts
// it again without them. (Deleting first matters: minidyn's index keeps an
// item that is put again without its index keys.) Calls pass one at a time
// — minidyn serializes them anyway — so nobody sees the item between the
// delete and the put. Nested paths (a.b, list[0]) and ReturnValues of a
// fixed update are left as minidyn gives them; Kabinet removes neither.
package dynamofix

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
)

const targetPrefix = "DynamoDB_20120810."

// Handler is the front; Inner is the emulator.
type Handler struct {
	Inner http.Handler
	mu    sync.Mutex
}

var writes = map[string]bool{"PutItem": true, "UpdateItem": true, "DeleteItem": true, "TransactWriteItems": true, "BatchWriteItem": true}

type update struct {
	TableName                 string
	Key                       map[string]json.RawMessage
	UpdateExpression          string
	ExpressionAttributeNames  map[string]string
	ConditionExpression       string `json:",omitempty"`
	ExpressionAttributeValues map[string]json.RawMessage
}

// ServeHTTP forwards the call, fixing up REMOVE after a successful write.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndexByte(op, '.'); i >= 0 {
		op = op[i+1:]
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !writes[op] {
		h.Inner.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var updates []update
	switch op {
	case "UpdateItem":
		var u update
		if json.Unmarshal(body, &u) == nil {
			updates = append(updates, u)
		}
	case "TransactWriteItems":
		var tx struct{ TransactItems []struct{ Update *update } }
		if json.Unmarshal(body, &tx) == nil {
			for _, it := range tx.TransactItems {
				if it.Update != nil {
					updates = append(updates, *it.Update)
				}
			}
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	h.Inner.ServeHTTP(rec, r)
	if rec.Code == http.StatusOK {
		for _, u := range updates {
			if names := Removed(u.UpdateExpression, u.ExpressionAttributeNames); len(names) > 0 {
				h.drop(r, u.TableName, u.Key, names)
			}
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// drop reads an item and puts it back without names.
func (h *Handler) drop(orig *http.Request, table string, key map[string]json.RawMessage, names []string) {
	out := h.call(orig, "GetItem", map[string]any{"TableName": table, "Key": key, "ConsistentRead": true})
	var got struct{ Item map[string]json.RawMessage }
	if json.Unmarshal(out, &got) != nil || got.Item == nil {
		return
	}
	changed := false
	for _, n := range names {
		if _, ok := got.Item[n]; ok {
			delete(got.Item, n)
			changed = true
		}
	}
	if changed {
		h.call(orig, "DeleteItem", map[string]any{"TableName": table, "Key": key})
		h.call(orig, "PutItem", map[string]any{"TableName": table, "Item": got.Item})
	}
}

func (h *Handler) call(orig *http.Request, op string, in any) []byte {
	b, _ := json.Marshal(in)
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(b)).WithContext(orig.Context())
	req.Header.Set("X-Amz-Target", targetPrefix+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("Authorization", orig.Header.Get("Authorization"))
	rec := httptest.NewRecorder()
	h.Inner.ServeHTTP(rec, req)
	return rec.Body.Bytes()
}

var clause = regexp.MustCompile(`(?i)\b(SET|REMOVE|ADD|DELETE)\b`)

// Removed lists the top-level attribute names an update expression's
// REMOVE clause takes away, with #placeholders resolved.
func Removed(expr string, names map[string]string) []string {
	idx := clause.FindAllStringSubmatchIndex(expr, -1)
	var out []string
	for i, m := range idx {
		if !strings.EqualFold(expr[m[2]:m[3]], "REMOVE") {
			continue
		}
		end := len(expr)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		for _, p := range strings.Split(expr[m[1]:end], ",") {
			p = strings.TrimSpace(p)
			if p == "" || strings.ContainsAny(p, ".[") {
				continue
			}
			if real, ok := names[p]; ok {
				p = real
			}
			out = append(out, p)
		}
	}
	return out
}
