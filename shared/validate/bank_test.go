package validate

import "testing"

func TestBIK(t *testing.T) {
	tests := []struct {
		name, in, want, code string
	}{
		{"Sberbank, Moscow", "044525225", "044525225", ""},
		{"with spaces", " 044 525 225 ", "044525225", ""},
		{"empty", "", "", CodeRequired},
		{"8 digits", "04452522", "", CodeBIKFormat},
		{"10 digits", "0445252251", "", CodeBIKFormat},
		{"not a Russian bank", "123456789", "", CodeBIKFormat},
		{"letters", "04452522x", "", CodeBIKFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BIK(tt.in)
			checkResult(t, tt.in, got, err, tt.want, tt.code)
		})
	}
}

func TestBankAccount(t *testing.T) {
	tests := []struct {
		name, bik, in, want, code string
	}{
		{"a person's account at Sberbank", "044525225", "40817810438000000001", "40817810438000000001", ""},
		{"a company's account", "044525225", "40702810938000048979", "40702810938000048979", ""},
		{"an account at the Bank of Russia itself", "044525000", "40102810545370000003", "40102810545370000003", ""},
		{"spaces", "044525225", "40817 810 4 3800 0000001", "40817810438000000001", ""},
		{"one digit changed", "044525225", "40817810438000000002", "", CodeAccountChecksum},
		{"another bank's account", "044525974", "40817810438000000001", "", CodeAccountChecksum},
		{"19 digits", "044525225", "4081781043800000000", "", CodeAccountFormat},
		{"letters", "044525225", "40817810438000000OO1", "", CodeAccountFormat},
		{"empty", "044525225", " ", "", CodeRequired},
		{"a bad BIK", "12345", "40817810438000000001", "", CodeBIKFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BankAccount(tt.bik, tt.in)
			checkResult(t, tt.in, got, err, tt.want, tt.code)
		})
	}
}

func TestCorrespondentAccount(t *testing.T) {
	tests := []struct {
		name, bik, in, want, code string
	}{
		{"Sberbank", "044525225", "30101810400000000225", "30101810400000000225", ""},
		{"T-Bank", "044525974", "30101 810 1 4525 0000974", "30101810145250000974", ""},
		{"one digit changed", "044525225", "30101810500000000225", "", CodeAccountChecksum},
		{"another bank's", "044525974", "30101810400000000225", "", CodeCorrAccountFormat},
		{"not a correspondent account", "044525225", "40817810438000000225", "", CodeCorrAccountFormat},
		{"19 digits", "044525225", "3010181040000000225", "", CodeCorrAccountFormat},
		{"empty", "044525225", "", "", CodeRequired},
		{"a bad BIK", "0445", "30101810400000000225", "", CodeBIKFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CorrespondentAccount(tt.bik, tt.in)
			checkResult(t, tt.in, got, err, tt.want, tt.code)
		})
	}
}

// Every single-digit change of a valid account is caught: the weights 7, 1
// and 3 are prime to 10.
func TestBankAccountCatchesEveryDigitChange(t *testing.T) {
	const bik, valid = "044525225", "40817810438000000001"
	for i := range len(valid) {
		for d := byte('0'); d <= '9'; d++ {
			if d == valid[i] {
				continue
			}
			changed := valid[:i] + string(d) + valid[i+1:]
			if _, err := BankAccount(bik, changed); codeOf(err) != CodeAccountChecksum {
				t.Fatalf("%s (digit %d changed) = %v, want %s", changed, i, err, CodeAccountChecksum)
			}
		}
	}
}

func FuzzBankAccount(f *testing.F) {
	f.Add("044525225", "40817810438000000001")
	f.Add("044525000", "30101810400000000225")
	f.Add("", "")
	f.Add("04452522ё", "4081781043800000000١")
	f.Fuzz(func(t *testing.T, bik, account string) {
		got, err := BankAccount(bik, account)
		if !checkFuzzErr(t, account, err, CodeRequired, CodeAccountFormat, CodeAccountChecksum, CodeBIKFormat) {
			return
		}
		if len(got) != 20 || !allDigits(got) {
			t.Fatalf("(%q, %q) = %q", bik, account, got)
		}
		if again, err := BankAccount(bik, got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
	})
}
