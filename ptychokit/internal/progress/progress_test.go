package progress

import (
	"strings"
	"testing"
)

func TestLine(t *testing.T) {
	var b strings.Builder
	l := Line{W: &b, Label: "epoch 1/2", Total: 48, InPlace: true}
	l.Draw(12, "loss 1.5", "eta 3s")
	l.End("epoch 1/2 train_loss 1.5")
	want := "\repoch 1/2 [######..................] 12/48  loss 1.5  eta 3s   \repoch 1/2 train_loss 1.5" + strings.Repeat(" ", 20) + "\n"
	if b.String() != want {
		t.Errorf("in place:\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	l = Line{W: &b, Total: 100}
	l.Draw(7, "cost 1e+00")
	l.Draw(100)
	want = "[#.......................]   7/100  cost 1e+00\n[########################] 100/100\n"
	if b.String() != want {
		t.Errorf("one line each:\n%q\nwant\n%q", b.String(), want)
	}
	Line{Total: 3}.Draw(1) // nil writer: nothing
}
