package cli

import (
	"bytes"
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// TestQRDecodes draws a TOTP URI the way the terminal shows it, turns the
// characters back into pixels (light cells white, dark cells black, as a
// dark terminal shows them), and decodes it with an independent QR reader.
func TestQRDecodes(t *testing.T) {
	uri := "otpauth://totp/Cognito:alice%40example.com?issuer=Cognito&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	var buf bytes.Buffer
	if err := writeQR(&buf, uri); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	const scale = 4
	width := len([]rune(lines[0]))
	img := image.NewGray(image.Rect(0, 0, width*scale, len(lines)*2*scale))
	for row, line := range lines {
		for col, r := range []rune(line) {
			top := r == '█' || r == '▀'
			bottom := r == '█' || r == '▄'
			for dy := 0; dy < 2*scale; dy++ {
				light := top
				if dy >= scale {
					light = bottom
				}
				c := color.Gray{Y: 0}
				if light {
					c = color.Gray{Y: 255}
				}
				for dx := 0; dx < scale; dx++ {
					img.SetGray(col*scale+dx, row*2*scale+dy, c)
				}
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the drawn QR code does not decode: %v\n%s", err, buf.String())
	}
	if res.GetText() != uri {
		t.Errorf("decoded %q; want %q", res.GetText(), uri)
	}
}
