package bot

import (
	"fmt"

	"github.com/go-telegram/bot/models"

	"github.com/territoires-integration/passerelle/flows"
)

// inlineKeyboard renders a reply's buttons as an inline keyboard signed for
// userID; nil when there are none.
func inlineKeyboard(rows [][]flows.Button, userID int64, signer *Signer) (*models.InlineKeyboardMarkup, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: make([][]models.InlineKeyboardButton, 0, len(rows))}
	for _, row := range rows {
		out := make([]models.InlineKeyboardButton, 0, len(row))
		for _, b := range row {
			data, ok := signer.Sign(userID, b.Data)
			if !ok || b.Data == "" {
				return nil, fmt.Errorf("button data %q does not fit callback_data", b.Data)
			}
			out = append(out, models.InlineKeyboardButton{Text: b.Text, CallbackData: data})
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, out)
	}
	return kb, nil
}
