package payments

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/problem"
)

func readings(t *testing.T, js string) []Reading {
	t.Helper()
	var r []Reading
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMeterReadings(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u1 := actor.Citizen("u1")
	acc, err := f.svc.AddUtilityAccount(ctx, u1, UtilityAccountInput{UtilityAccount: UtilityAccount{Provider: "eirc", Account: "4001234567"}})
	if err != nil {
		t.Fatal(err)
	}
	// Out of the window (the 25th of November was in it; the 26th is not).
	f.clock.Set(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	if _, err := f.svc.SubmitReadings(ctx, u1, acc.ID, readings(t, `[{"meter":"ХВС","value":10}]`)); problem.FieldNames(err)[0] != "readings" {
		t.Fatalf("out of the window: %v", err)
	}
	f.clock.Set(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	got, err := f.svc.SubmitReadings(ctx, u1, acc.ID, readings(t, `[{"meter":"ХВС","value":123.4},{"meter":"ГВС","value":"45.125"}]`))
	if err != nil || len(got) != 2 || got[0].Value != "123.4" || got[1].Value != "45.125" {
		t.Fatalf("first readings %+v %v", got, err)
	}
	bad := []struct{ js, field, code string }{
		{`[{"meter":"ХВС","value":123.3}]`, "readings[0].value", "reading.lower"},
		{`[{"meter":"ХВС","value":-1}]`, "readings[0].value", "reading.value"},
		{`[{"meter":"ХВС","value":1.2345}]`, "readings[0].value", "reading.value"},
		{`[{"meter":"ХВС","value":"1e3"}]`, "readings[0].value", "reading.value"},
		{`[{"meter":"","value":1}]`, "readings[0].meter", "meter.name"},
		{`[{"meter":"А","value":1},{"meter":"А","value":2}]`, "readings[1].meter", "meter.duplicate"},
		{`[]`, "readings", "readings.count"},
	}
	for _, c := range bad {
		_, err := f.svc.SubmitReadings(ctx, u1, acc.ID, readings(t, c.js))
		pe, _ := problem.As(err)
		if pe == nil || len(pe.Fields) != 1 || pe.Fields[0].Field != c.field || pe.Fields[0].Code != c.code {
			t.Errorf("%s: %v", c.js, err)
		}
	}
	f.clock.Advance(time.Hour)
	if got, err := f.svc.SubmitReadings(ctx, u1, acc.ID, readings(t, `[{"meter":"ХВС","value":130}]`)); err != nil || got[0].Previous != "123.4" {
		t.Fatalf("next reading %+v %v", got, err)
	}
	if _, err := f.svc.SubmitReadings(ctx, actor.Citizen("u2"), acc.ID, readings(t, `[{"meter":"ХВС","value":200}]`)); !problem.Is(err, problem.KindNotFound) {
		t.Fatalf("another person's account: %v", err)
	}
	hist, err := f.svc.Readings(ctx, u1, acc.ID)
	if err != nil || len(hist) != 3 {
		t.Fatalf("history %+v %v", hist, err)
	}
	// The provider's system reads them; other agencies may not.
	utility := actor.Agency("utility", "client-utility")
	list, _, err := f.svc.ProviderReadings(ctx, utility, "eirc", time.Time{}, "", 50)
	if err != nil || len(list) != 3 || list[0].Account != "4001234567" {
		t.Fatalf("provider's readings %+v %v", list, err)
	}
	if _, _, err := f.svc.ProviderReadings(ctx, gibdd, "eirc", time.Time{}, "", 50); !problem.Is(err, problem.KindForbidden) {
		t.Fatalf("gibdd reads readings: %v", err)
	}
}

// Two submissions for one meter at once: one is accepted.
func TestConcurrentReadingsOfOneMeter(t *testing.T) {
	f := newFixture(t)
	f.clock.Set(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	ctx := context.Background()
	u1 := actor.Citizen("u1")
	acc, _ := f.svc.AddUtilityAccount(ctx, u1, UtilityAccountInput{UtilityAccount: UtilityAccount{Provider: "eirc", Account: "4001234567"}})
	var wg sync.WaitGroup
	var ok atomic.Int64
	for i, v := range []string{"100", "90", "95", "110", "105"} {
		wg.Add(1)
		f.clock.Advance(time.Duration(i) * time.Second)
		go func() {
			defer wg.Done()
			if _, err := f.svc.SubmitReadings(ctx, u1, acc.ID, []Reading{{Meter: "ХВС", Value: Decimal(v)}}); err == nil {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	hist, _ := f.svc.Readings(ctx, u1, acc.ID)
	if int(ok.Load()) != len(hist) {
		t.Fatalf("%d accepted, %d kept", ok.Load(), len(hist))
	}
	for i := 1; i < len(hist); i++ {
		if hist[i-1].Previous != hist[i].Value {
			t.Fatalf("the readings do not chain: %+v", hist)
		}
	}
}
