" Highlighting for void-session: live log buffers (filetype voidlog): the header line, times,
" sent (→), received (←), connection (⇄) and close (✕) lines, and assertion rows that passed (✓)
" or failed (✗). A normal close (1000, 1001) is not drawn like a failure.
if exists('b:current_syntax')
  finish
endif

syntax match voidLogHeader    /\%1l^#.*$/
syntax match voidLogTime      /^\d\d:\d\d:\d\d\.\d\+/ nextgroup=voidLogSent,voidLogReceived,voidLogEvent,voidLogClosedNormal,voidLogClosed,voidLogPassed,voidLogFailed skipwhite
syntax match voidLogSent      /→.*$/ contained contains=voidLogMeta
syntax match voidLogReceived  /←.*$/ contained contains=voidLogMeta
syntax match voidLogEvent     /⇄.*$/ contained
syntax match voidLogClosedNormal /✕ closed · 100[01]\>.*$/ contained
syntax match voidLogClosed    /✕.*$/ contained
syntax match voidLogPassed    /✓.*$/ contained
syntax match voidLogFailed    /✗.*$/ contained
syntax match voidLogMeta      /\s\{2,}\(text\|json\|xml\|binary\) · .*$/ contained

highlight default link voidLogHeader       Title
highlight default link voidLogTime         Comment
highlight default link voidLogSent         DiagnosticInfo
highlight default link voidLogReceived     DiagnosticOk
highlight default link voidLogEvent        Special
highlight default link voidLogClosedNormal Comment
highlight default link voidLogClosed       DiagnosticWarn
highlight default link voidLogPassed       DiagnosticOk
highlight default link voidLogFailed       DiagnosticError
highlight default link voidLogMeta         Comment

let b:current_syntax = 'voidlog'
