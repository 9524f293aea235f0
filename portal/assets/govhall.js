// Progressive enhancement only: every form works without this script.
// Uploads: send the file with XMLHttpRequest and show its progress, then go where the
// server's redirect pointed (the same page, with the new file listed).
(function () {
  "use strict";
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[type=file]");
      var bar = form.querySelector("progress");
      var status = form.querySelector("[data-upload-status]");
      if (!input || !input.files || input.files.length === 0 || !bar || !window.FormData) {
        return;
      }
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      bar.hidden = false;
      bar.value = 0;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round((e.loaded / e.total) * 100);
          if (status) { status.textContent = "已上传 " + bar.value + "%"; }
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 400) {
          window.location.href = xhr.responseURL || window.location.href;
        } else {
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      });
      xhr.addEventListener("error", function () {
        if (status) { status.textContent = "上传失败，请检查网络后重试"; }
      });
      xhr.send(new FormData(form));
    });
  });
})();
