// The followed board lives in the URL (?board=<id>), so a link opens the same board.
import { setApiBoard } from './api'
import { switchBoard } from './socket'

export function boardFromUrl(): string | null {
  return new URLSearchParams(location.search).get('board') || null
}

/** Follow `board` (null: the api's default board): REST, socket and URL together. */
export function selectBoard(board: string | null): void {
  const url = new URL(location.href)
  if (board) url.searchParams.set('board', board)
  else url.searchParams.delete('board')
  history.replaceState(null, '', url)
  setApiBoard(board)
  switchBoard(board)
}
