package reminders

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/messages"
)

func scheduledAt(t *testing.T, db *dynamo.Store, sub, id string) time.Time {
	t.Helper()
	var it item
	if err := db.Get(context.Background(), dynamo.ReminderKey(sub, id), "reminder", &it); err != nil {
		t.Fatalf("reminder %s: %v", id, err)
	}
	at, _ := time.Parse(time.RFC3339, it.At)
	return at
}

func TestPlans(t *testing.T) {
	db := dynamotest.NewStore(t)
	ctx := context.Background()
	due := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	birth := time.Date(2006, 3, 15, 0, 0, 0, 0, time.UTC) // turns 20 in March 2026... 45 in 2051
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tx := &dynamo.Tx{}
	steps := []error{
		ChargeDue(tx, "u", "c1", due, now, messages.Vars{"Kind": "налог", "Amount": 150000, "DueDate": due, "Link": "/payments/c1"}),
		ChargeDiscount(tx, "u", "c1", now.AddDate(0, 0, 2), now, messages.Vars{"Percent": 50, "Amount": 75000, "Until": now.AddDate(0, 0, 2), "Link": "/charges/c1"}),
		Appointment(tx, "u", "a1", due, messages.Vars{"Place": "Поликлиника №3", "Address": "ул. Ленина, 1", "At": due}),
		DocumentExpiry(tx, "u", "d1", "водительское удостоверение", due),
		PassportReplacement(tx, "u", birth, now),
		ConsentExpiry(tx, "u", "k1", "Банк", due),
		ApplicationDue(tx, "u", "ap1", "123", "Замена паспорта", due, now),
		ApplicationDue(tx, "u", "ap2", "124", "Замена паспорта", now.AddDate(0, 0, 2), now), // too near: none
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("plan %d: %v", i, err)
		}
	}
	if err := db.Transact(ctx, "", tx); err != nil {
		t.Fatal(err)
	}
	cases := map[string]time.Time{
		"charge-c1-3d":    due.AddDate(0, 0, -3),
		"charge-c1-1d":    due.AddDate(0, 0, -1),
		"appointment-a1":  due.Add(-24 * time.Hour),
		"document-d1":     due.AddDate(0, 0, -30),
		"passport-20":     time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC),
		"passport-45":     time.Date(2051, 2, 15, 0, 0, 0, 0, time.UTC),
		"consent-k1":      due.AddDate(0, 0, -14),
		"application-ap1": due.AddDate(0, 0, -3),
		"discount-c1-1d":  now.AddDate(0, 0, 1),
	}
	for id, want := range cases {
		if got := scheduledAt(t, db, "u", id); !got.Equal(want) {
			t.Errorf("%s at %v, want %v", id, got, want)
		}
	}
	var none item
	if err := db.Get(ctx, dynamo.ReminderKey("u", "application-ap2"), "reminder", &none); err == nil {
		t.Error("a deadline two days away got a reminder three days before it")
	}
	if err := db.Get(ctx, dynamo.ReminderKey("u", "discount-c1-3d"), "reminder", &none); err == nil {
		t.Error("a discount ending in two days got a reminder three days before its end, in the past")
	}
	tx = &dynamo.Tx{}
	CancelChargeDue(tx, "u", "c1")
	if err := db.Transact(ctx, "", tx); err != nil {
		t.Fatal(err)
	}
	var it item
	if err := db.Get(ctx, dynamo.ReminderKey("u", "charge-c1-3d"), "reminder", &it); err == nil {
		t.Error("a paid charge's reminder is still scheduled")
	}
}

func TestPassportReplacementSkipsPastBirthdays(t *testing.T) {
	db := dynamotest.NewStore(t)
	tx := &dynamo.Tx{}
	birth := time.Date(1990, 6, 1, 0, 0, 0, 0, time.UTC) // 20 in 2010: long past
	if err := PassportReplacement(tx, "u", birth, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if err := db.Transact(context.Background(), "", tx); err != nil {
		t.Fatal(err)
	}
	var it item
	if err := db.Get(context.Background(), dynamo.ReminderKey("u", "passport-20"), "reminder", &it); err == nil {
		t.Error("a reminder for a replacement due in 2010")
	}
	if got := scheduledAt(t, db, "u", "passport-45"); !got.Equal(time.Date(2035, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("passport-45 at %v", got)
	}
}
