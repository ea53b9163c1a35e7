package main

import (
	"os"
	"testing"

	"encoding/json"
	"github.com/aws/aws-lambda-go/events"
)

// The sample stream batch decodes into the fields the handler reads.
func TestStreamSampleDecodes(t *testing.T) {
	b, err := os.ReadFile("../../events/deliver-stream.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	img := ev.Records[0].Change.NewImage
	if ev.Records[0].EventName != "INSERT" || img["Kind"].String() != "delivery" || img["Channel"].String() != "email" || img["Sub"].String() == "" {
		t.Errorf("decoded %+v", ev.Records[0])
	}
}
