package export

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func items(t *testing.T, ms ...map[string]any) []map[string]types.AttributeValue {
	t.Helper()
	var out []map[string]types.AttributeValue
	for _, m := range ms {
		av, err := attributevalue.MarshalMap(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, av)
	}
	return out
}

// Only the attributes a kind keeps leave: a secret added to an item later
// stays out by default. Nothing of the person's makes the export fail: the
// unread counter, an item without a kind or of a kind nobody sorted.
func TestSectionsKeepOnlyTheAllowedAttributes(t *testing.T) {
	raw := items(t,
		map[string]any{"PK": "USER#a", "SK": "ACCOUNT", "Kind": "account", "Surname": "Иванова", "Passport": "v1.sealed",
			"SNILSHash": "h", "TOTPSecret": "s", "PasswordHistory": []string{"argon2id$x"}, "NewSecret": "must-not-leave"},
		map[string]any{"PK": "USER#a", "SK": "SESSION#1", "Kind": "session", "ID": "1", "Refresh": "v1.rt", "AccessJTI": "j", "IP": "203.0.113.1"},
		map[string]any{"PK": "USER#a", "SK": "UNREAD", "Kind": "unread", "N": 3},
		map[string]any{"PK": "USER#a", "SK": "UNREAD-OLD", "N": 1},
		map[string]any{"PK": "USER#a", "SK": "X", "Kind": "something-new", "Secret": "x"},
		map[string]any{"PK": "USER#a", "SK": "APPL#1", "Kind": "application", "Values": "v1.sealed"},
	)
	sections, err := sectionsOf(context.Background(), raw)
	if err != nil {
		t.Fatalf("sectionsOf: %v", err)
	}
	b, _ := json.Marshal(sections)
	text := string(b)
	for _, leak := range []string{"v1.", "SNILSHash", "TOTPSecret", "argon2id", "must-not-leave", "AccessJTI", `"PK"`, `"SK"`, "something-new"} {
		if strings.Contains(text, leak) {
			t.Errorf("the export holds %s: %s", leak, text)
		}
	}
	if len(sections["account"]) != 1 || sections["account"][0]["Surname"] != "Иванова" {
		t.Errorf("account section = %v", sections["account"])
	}
	if len(sections["sessions"]) != 1 || sections["sessions"][0]["IP"] != "203.0.113.1" {
		t.Errorf("sessions section = %v", sections["sessions"])
	}
	if len(sections["applications"]) != 0 {
		t.Errorf("sealed applications were exported as stored: %v", sections["applications"])
	}
	for _, spec := range Sections {
		if spec.Name != "" && sections[spec.Name] == nil {
			t.Errorf("section %s is missing; every section appears, empty or not", spec.Name)
		}
	}
}

// The export is the person's: it names the role that acted on their
// account (and the department that decided), never a staff member's
// account id, which stays recorded for staff and audit.
func TestTheExportNamesRolesNotStaffIDs(t *testing.T) {
	raw := items(t,
		map[string]any{"PK": "USER#a", "SK": "ACCOUNT", "Kind": "account", "Level": "confirmed", "LevelMethod": "in_person",
			"LevelBy": "registrar-1", "LevelAt": "2026-11-23T09:00:00Z"},
		map[string]any{"PK": "USER#a", "SK": "CHANGEREQ#1", "Kind": "change-request", "ID": "1", "Status": "approved",
			"Department": "mvd", "DecidedBy": "officer-2", "DecidedRole": "officer"},
		map[string]any{"PK": "USER#a", "SK": "PROFHIST#1", "Kind": "profile-history", "Field": "surname", "Actor": "officer", "ActorID": "officer-2"},
		map[string]any{"PK": "USER#a", "SK": "JOURNAL#000000000001", "Kind": "journal", "Seq": 1, "Type": "account.level",
			"Actor": "registrar", "ActorID": "registrar-1", "Hash": "h"},
	)
	sections, err := sectionsOf(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(sections)
	for _, hidden := range []string{"registrar-1", "officer-2", "LevelBy", "DecidedBy", "ActorID"} {
		if strings.Contains(string(b), hidden) {
			t.Errorf("the export holds %s: %s", hidden, b)
		}
	}
	if got := sections["changeRequests"]; len(got) != 1 || got[0]["DecidedRole"] != "officer" || got[0]["Department"] != "mvd" {
		t.Errorf("changeRequests = %v, want the deciding role and department", got)
	}
	if got := sections["activityJournal"]; len(got) != 1 || got[0]["Actor"] != "registrar" {
		t.Errorf("activityJournal = %v, want the registrar's role", got)
	}
}
