package ui

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var optionRow = regexp.MustCompile(`^ (?:› |  )(\d)\. `)

// TestOptionWindowSaysWhatIsHidden: at the minimum size the fix menu does
// not fit; whichever option is selected, the options above and below the
// window are counted ("↑ 2 more", "↓ 3 more"), and the selected one shows.
func TestOptionWindowSaysWhatIsHidden(t *testing.T) {
	for _, sz := range [][2]int{{minWidth, minHeight}, {80, minHeight}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			d := newDriver(t, newTestModel(t, newFake(), testModelOpts{w: sz[0], h: sz[1]}))
			d.toChooseFix()
			n := len(d.m.state.Prompt.Options)
			for range n {
				var nums []int
				for _, row := range strings.Split(d.view(), "\n") {
					if g := optionRow.FindStringSubmatch(row); g != nil {
						i, _ := strconv.Atoi(g[1])
						nums = append(nums, i)
					}
				}
				if !slices.Contains(nums, d.m.cursor+1) {
					t.Fatalf("option %d is selected but not shown:\n%s", d.m.cursor+1, d.view())
				}
				above, below := nums[0]-1, n-nums[len(nums)-1]
				if above > 0 && !strings.Contains(d.view(), fmt.Sprintf("↑ %d more — ↑/k", above)) {
					t.Fatalf("options 1-%d are hidden and not announced:\n%s", above, d.view())
				}
				if below > 0 && !strings.Contains(d.view(), fmt.Sprintf("↓ %d more — ↓/j", below)) {
					t.Fatalf("the last %d options are hidden and not announced:\n%s", below, d.view())
				}
				d.press("down")
			}
		})
	}
}
