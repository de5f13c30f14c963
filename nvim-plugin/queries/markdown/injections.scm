; extends
; The inside of a ```void fence is YAML (docs/format.md): highlight it with the yaml parser when one
; is installed. Without a yaml parser this adds nothing.
(fenced_code_block
  (info_string
    (language) @_lang)
  (code_fence_content) @injection.content
  (#eq? @_lang "void")
  (#set! injection.language "yaml"))
