;;; eglot.el --- Emacs + eglot against the real void-ls, as docs/editors/emacs.md sets it up  -*- lexical-binding: t; -*-

;; Run: VOID_LS=/path/to/void-ls VOID_ROOT=/path/to/repo emacs --batch -l tests/editors/eglot.el
;;
;; Loads the configuration block of docs/editors/emacs.md (the same text a user copies), with
;; `void-ls' found on PATH, opens examples/echo.void, and checks that eglot connects and that
;; void-ls answers: server name and version, document symbols (imenu), hover on a block type,
;; and a diagnostic on a malformed copy. Exits 0 when every check passed, 1 naming the first
;; that failed.

(require 'cl-lib)
(require 'subr-x)

(defvar void-test-root (or (getenv "VOID_ROOT") (error "VOID_ROOT is not set")))
(defvar void-test-failed nil)

(defun void-test-fail (fmt &rest args)
  (let ((msg (apply #'format fmt args)))
    (princ (format "FAIL %s\n" msg))
    (setq void-test-failed t)
    (kill-emacs 1)))

(defun void-test-ok (fmt &rest args)
  (princ (format "ok   %s\n" (apply #'format fmt args))))

(defun void-test-wait (what pred &optional seconds)
  "Waits up to SECONDS (10) for PRED to return non-nil, processing server output."
  (let ((deadline (+ (float-time) (or seconds 10)))
        (value nil))
    (while (and (not (setq value (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.1))
    (or value (void-test-fail "timed out waiting for %s" what))))

;; The user's configuration: the elisp block of docs/editors/emacs.md, evaluated as written.
(let* ((doc (with-temp-buffer
              (insert-file-contents (expand-file-name "docs/editors/emacs.md" void-test-root))
              (buffer-string)))
       (start (string-match "```elisp\n" doc))
       (body-start (and start (match-end 0)))
       (end (and body-start (string-match "^```" doc body-start))))
  (unless end (void-test-fail "docs/editors/emacs.md has no ```elisp block"))
  (with-temp-buffer
    (insert (substring doc body-start end))
    (eval-buffer)))
(void-test-ok "configuration block of docs/editors/emacs.md loaded")

(unless (executable-find "void-ls") (void-test-fail "void-ls is not on PATH"))

;; Open the example like a user would; the mode hook runs `eglot-ensure', which connects when
;; the command that opened the file ends (batch Emacs has no command loop: run that hook).
(defun void-test-open (file)
  (find-file file)
  (run-hooks 'post-command-hook))

(void-test-open (expand-file-name "examples/echo.void" void-test-root))
(unless (eq major-mode 'void-mode) (void-test-fail "echo.void opened in %s, not void-mode" major-mode))
(void-test-ok "examples/echo.void opened in void-mode")

(let ((server (void-test-wait "eglot to connect" #'eglot-current-server 20)))
  (void-test-wait "the server to initialize"
                  (lambda () (plist-get (eglot--capabilities server) :textDocumentSync)))
  (let* ((info (eglot--server-info server))
         (name (plist-get info :name)))
    (unless (equal name "void-ls") (void-test-fail "server name is %S" name))
    (void-test-ok "eglot connected to %s %s" name (plist-get info :version)))

  ;; Document symbols: the sections of echo.void, through imenu (eglot's documentSymbol).
  (let* ((index (eglot-imenu))
         (names (mapcar (lambda (entry) (if (consp entry) (car entry) entry)) index))
         (text (format "%S" index)))
    (unless (and index (string-match-p "Say hello" text))
      (void-test-fail "document symbols lack the `Say hello' section: %S" names))
    (void-test-ok "document symbols: %d entries, with `Say hello'" (length index)))

  ;; Hover on `socket-request'.
  (goto-char (point-min))
  (search-forward "type: socket-request")
  (backward-char 3)
  (let* ((hover (jsonrpc-request server :textDocument/hover
                                 (eglot--TextDocumentPositionParams)))
         (contents (plist-get hover :contents))
         (text (format "%S" contents)))
    (unless (string-match-p "[Ww]eb[Ss]ocket" text)
      (void-test-fail "hover on socket-request says %S" text))
    (void-test-ok "hover on socket-request mentions WebSocket")))

;; A malformed copy gets a diagnostic through Flymake.
(let ((bad (make-temp-file "void-eglot-" nil ".void")))
  (copy-file (expand-file-name "tests/fixtures/bad_yaml_indent.void" void-test-root) bad t)
  (void-test-open bad)
  (void-test-wait "eglot on the malformed copy" #'eglot-current-server 20)
  (void-test-wait "a diagnostic on the malformed copy"
                  (lambda () (flymake-diagnostics (point-min) (point-max))) 20)
  (let ((diag (car (flymake-diagnostics (point-min) (point-max)))))
    (void-test-ok "diagnostic: %s" (flymake-diagnostic-text diag)))
  (set-buffer-modified-p nil)
  (kill-buffer)
  (delete-file bad))

(eglot-shutdown-all)
(princ "eglot: every check passed\n")
(kill-emacs 0)

;;; eglot.el ends here
