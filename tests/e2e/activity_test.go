package e2e

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kabinet/kabinet/shared/dynamo"
)

func TestActivityJournalIsListedExportedAndTamperEvident(t *testing.T) {
	s, sub, _, _ := newCitizen(t)
	uploadScan(t, s.AccessToken)
	etag := call(t, "GET", "/profile", s.AccessToken, nil, nil).Header.Get("ETag")
	if r := patchProfile(t, s.AccessToken, etag, map[string]any{"actualAddress": "г. Тула, ул. Советская, д. 5"}); r.Status != 200 {
		t.Fatalf("patch = %d %s", r.Status, r.Body)
	}
	var page struct {
		Items []struct {
			Seq           int64
			Type, Summary string
		}
	}
	call(t, "GET", "/activity", s.AccessToken, nil, nil).JSON(t, &page)
	types := []string{}
	for _, e := range page.Items {
		types = append(types, e.Type)
	}
	if len(page.Items) < 3 || page.Items[0].Type != "profile.change" || !strings.Contains(strings.Join(types, ","), "document.upload") ||
		!strings.Contains(strings.Join(types, ","), "auth.login") {
		t.Fatalf("activity = %+v, want the change, the upload and the sign-in, newest first", page.Items)
	}
	if strings.Contains(page.Items[0].Summary, "Советская") {
		t.Error("the journal repeats the new address")
	}
	var logins struct{ Items []struct{ Type string } }
	call(t, "GET", "/activity?type=auth.login", s.AccessToken, nil, nil).JSON(t, &logins)
	for _, e := range logins.Items {
		if e.Type != "auth.login" {
			t.Errorf("type filter let %s through", e.Type)
		}
	}
	csv := call(t, "GET", "/activity.csv", s.AccessToken, nil, nil)
	if csv.Status != 200 || !strings.HasPrefix(string(csv.Body), "\ufeff") || !strings.Contains(string(csv.Body), "Дата и время") {
		t.Errorf("activity.csv = %d %q", csv.Status, string(csv.Body)[:min(80, len(csv.Body))])
	}
	var v struct {
		OK       bool
		BrokenAt int64
	}
	call(t, "GET", "/activity/verify", s.AccessToken, nil, nil).JSON(t, &v)
	if !v.OK {
		t.Fatalf("verify = %+v, want ok", v)
	}
	// Alter one entry in the table.
	k := dynamo.JournalKey(sub, 2)
	if _, err := st.DynamoDB().UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String(st.Resources["Table"]),
		Key:                       map[string]ddbtypes.AttributeValue{"PK": &ddbtypes.AttributeValueMemberS{Value: k.PK}, "SK": &ddbtypes.AttributeValueMemberS{Value: k.SK}},
		UpdateExpression:          aws.String("SET Summary = :s"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":s": &ddbtypes.AttributeValueMemberS{Value: "Ничего не происходило"}}}); err != nil {
		t.Fatal(err)
	}
	var broken struct {
		OK       bool
		BrokenAt int64
		Reason   string
	}
	call(t, "GET", "/activity/verify", s.AccessToken, nil, nil).JSON(t, &broken)
	if broken.OK || broken.BrokenAt != 2 || broken.Reason == "" {
		t.Errorf("verify after altering entry 2 = %+v, want it named", broken)
	}
	other := login(t, "support")
	var theirs struct{ Items []struct{ Summary string } }
	call(t, "GET", "/activity", other.AccessToken, nil, nil).JSON(t, &theirs)
	for _, e := range theirs.Items {
		if strings.Contains(e.Summary, "документ") && strings.Contains(e.Summary, "брак") {
			t.Error("user B sees user A's journal")
		}
	}
}

// TestActivityCursorIsOpaqueAndBoundToTheCaller: the journal pages with the
// same kind of cursor as every other list, which no client can guess or
// carry into another user's journal.
func TestActivityCursorIsOpaqueAndBoundToTheCaller(t *testing.T) {
	s, _, _, _ := newCitizen(t)
	uploadScan(t, s.AccessToken)
	type page struct {
		Items      []struct{ Seq int64 }
		NextCursor string
	}
	var first, second page
	call(t, "GET", "/activity?limit=1", s.AccessToken, nil, nil).JSON(t, &first)
	if len(first.Items) != 1 || first.NextCursor == "" {
		t.Fatalf("first page = %+v, want one entry and a cursor", first)
	}
	if _, err := strconv.ParseInt(strings.TrimPrefix(first.NextCursor, "s"), 10, 64); err == nil {
		t.Errorf("cursor %q is a plain sequence number", first.NextCursor)
	}
	cursor := url.QueryEscape(first.NextCursor)
	call(t, "GET", "/activity?limit=1&cursor="+cursor, s.AccessToken, nil, nil).JSON(t, &second)
	if len(second.Items) != 1 || second.Items[0].Seq != first.Items[0].Seq-1 {
		t.Errorf("second page = %+v, want the entry before %d", second.Items, first.Items[0].Seq)
	}
	other := login(t, "support")
	for name, c := range map[string]struct{ token, cursor string }{
		"the citizen's cursor used by another user": {other.AccessToken, cursor},
		"a guessed numeric cursor":                  {s.AccessToken, "s2"},
		"a cursor forged for another partition":     {s.AccessToken, "eyJQSyI6IlVTRVIjeCIsIlNLIjoiSk9VUk5BTCMwMDAwMDAwMDAwMDEifQ"},
	} {
		r := call(t, "GET", "/activity?cursor="+c.cursor, c.token, nil, nil)
		var prob struct{ Code string }
		r.JSON(t, &prob)
		if r.Status != 400 || prob.Code != "invalid_cursor" {
			t.Errorf("%s = %d %s, want 400 invalid_cursor", name, r.Status, r.Body)
		}
	}
}
