// The verifier desk. Camera frames, a chosen or dropped picture, or pasted text go to
// POST /desk/scan; the node reads the QR code and verifies it. Nothing is kept: "Scan the next
// one" clears the verdict and every disclosed claim from the page.
'use strict';

const WORDS = {
  en: {
    title: 'Verifier desk',
    intro: "Point the camera at the holder's QR code, or choose a picture of it, or paste its text.",
    camera: 'Camera', startCamera: 'Start camera', stopCamera: 'Stop camera',
    picture: 'A picture of the code', choosePicture: 'Choose a picture', dropHint: '…or drop it here.',
    paste: "The code's text", verify: 'Verify', next: 'Scan the next one',
    looking: 'Looking for a QR code…', checking: 'Checking…',
    noCamera: 'No camera could be opened here: ', insecure: 'The camera needs this page over HTTPS or on this computer (localhost).',
    noCode: 'No QR code found in that picture.',
    valid: 'VALID', invalid: 'REFUSED', cannot_be_sure: 'CANNOT BE SURE',
    issuedBy: 'Issued by ', unknownIssuer: 'an issuer this desk does not know',
    checks: {
      decode: 'This is not a credential this desk can read.',
      schema: 'The credential is not what was asked for, or is malformed.',
      signature: 'Forged or altered: the signature does not match.',
      validity_period: 'Expired, or not valid yet.',
      issuer_accredited: 'The issuer is not accredited for this kind of credential.',
      status: 'Revoked or suspended by its issuer.',
      holder_binding: 'Not shown by the person it was issued to.',
      challenge: "It does not answer this desk's request.",
      domain: 'It was made for another verifier.',
    },
    unsure: { status: 'Its revocation status could not be confirmed as current.' },
    revokedBy: 'Revoked by ', suspendedBy: 'Suspended by ', itsIssuer: 'its issuer',
    ask: 'Ask for claims', askKind: 'Kind', askClaims: 'Claims', askShow: 'Show the request',
    askNote: 'Show this to the holder, then scan their answer.', askCancel: 'Cancel the request',
    askNone: 'Choose at least one claim.', answering: 'Scanning answers to your request',
    askWallet: 'Ask a phone wallet (OpenID4VP)', askLink: 'Open the wallet on this device',
    walletNote: 'Let the holder scan this with their phone wallet. The answer appears here.',
    walletWaiting: 'Waiting for the wallet…', walletExpired: 'The request expired; ask again.',
  },
  vi: {
    title: 'Bàn kiểm tra',
    intro: 'Đưa mã QR của người xuất trình vào camera, hoặc chọn ảnh chụp mã, hoặc dán nội dung mã.',
    camera: 'Camera', startCamera: 'Bật camera', stopCamera: 'Tắt camera',
    picture: 'Ảnh chụp mã', choosePicture: 'Chọn ảnh', dropHint: '…hoặc thả ảnh vào đây.',
    paste: 'Nội dung mã', verify: 'Kiểm tra', next: 'Quét mã tiếp theo',
    looking: 'Đang tìm mã QR…', checking: 'Đang kiểm tra…',
    noCamera: 'Không mở được camera: ', insecure: 'Camera chỉ dùng được qua HTTPS hoặc trên chính máy này (localhost).',
    noCode: 'Không tìm thấy mã QR trong ảnh.',
    valid: 'HỢP LỆ', invalid: 'BỊ TỪ CHỐI', cannot_be_sure: 'CHƯA THỂ KHẲNG ĐỊNH',
    issuedBy: 'Cấp bởi ', unknownIssuer: 'một đơn vị cấp mà bàn này không biết',
    checks: {
      decode: 'Đây không phải giấy tờ mà bàn này đọc được.',
      schema: 'Giấy tờ không đúng loại được yêu cầu, hoặc bị sai định dạng.',
      signature: 'Giả mạo hoặc bị sửa: chữ ký không khớp.',
      validity_period: 'Đã hết hạn hoặc chưa có hiệu lực.',
      issuer_accredited: 'Đơn vị cấp không được công nhận cho loại giấy tờ này.',
      status: 'Đã bị đơn vị cấp thu hồi hoặc tạm đình chỉ.',
      holder_binding: 'Không phải do chính người được cấp xuất trình.',
      challenge: 'Không trả lời yêu cầu của bàn này.',
      domain: 'Được tạo cho một bên kiểm tra khác.',
    },
    unsure: { status: 'Chưa xác nhận được tình trạng thu hồi mới nhất.' },
    revokedBy: 'Đã bị thu hồi bởi ', suspendedBy: 'Đang bị tạm đình chỉ bởi ', itsIssuer: 'đơn vị cấp',
    ask: 'Yêu cầu thông tin', askKind: 'Loại giấy tờ', askClaims: 'Thông tin cần', askShow: 'Hiện yêu cầu',
    askNote: 'Đưa mã này cho người xuất trình, rồi quét mã trả lời của họ.', askCancel: 'Hủy yêu cầu',
    askNone: 'Hãy chọn ít nhất một thông tin.', answering: 'Đang quét câu trả lời cho yêu cầu của bạn',
    askWallet: 'Yêu cầu ví điện thoại (OpenID4VP)', askLink: 'Mở ví trên thiết bị này',
    walletNote: 'Để người xuất trình quét mã này bằng ví trên điện thoại. Kết quả sẽ hiện ở đây.',
    walletWaiting: 'Đang chờ ví trả lời…', walletExpired: 'Yêu cầu đã hết hạn; hãy yêu cầu lại.',
  },
};

const LANG = pickLanguage(WORDS);
const T = wordsFor(LANG, WORDS);

let stream = null;
let timer = null;
let busy = false;
// The text of this desk's request while one is shown: scans then answer it.
let request = null;
// A phone wallet request (OpenID4VP) being waited for: its id and the poll timer.
let walletRequest = null;
let walletTimer = null;


function translatePage() {
  translateWords(LANG, T);
  for (const o of $('ask-kind').options) o.textContent = T.kind[o.value] || o.value;
}


function clearVerdict() {
  $('verdict').className = 'verdict';
  $('verdict-word').textContent = '';
  $('verdict-issuer').textContent = '';
  $('problems').replaceChildren();
  $('claims').replaceChildren();
}

function showVerdict(r) {
  clearVerdict();
  $('verdict').classList.add(r.verdict);
  $('verdict-word').textContent = T[r.verdict] || r.verdict;
  const kind = r.kind ? (T.kind[r.kind] || r.kind) + ' · ' : '';
  $('verdict-issuer').textContent = kind + T.issuedBy + (r.issuerName || r.issuer || T.unknownIssuer);
  for (const p of r.problems || []) {
    const li = document.createElement('li');
    let head = p.result === 'cannot_be_sure' ? (T.unsure[p.check] || T.checks[p.check]) : T.checks[p.check];
    if (p.check === 'status' && p.result === 'fail') {
      const who = r.issuerName || T.itsIssuer;
      if (/^revoked\b/.test(p.reason)) head = T.revokedBy + who;
      else if (/^suspended\b/.test(p.reason)) head = T.suspendedBy + who;
    }
    li.textContent = head || p.check;
    const why = document.createElement('span');
    why.className = 'why';
    why.textContent = p.reason;
    li.appendChild(why);
    $('problems').appendChild(li);
  }
  for (const [label, value] of claimRows(r.claims)) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    $('claims').append(dt, dd);
  }
  $('scan-view').hidden = true;
  $('verdict-view').hidden = false;
  $('verdict-word').focus();
}

async function send(body, type) {
  const url = request ? '/desk/scan?request=' + encodeURIComponent(request) : '/desk/scan';
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': type }, body });
  let data = null;
  try { data = await res.json(); } catch (_) { /* not JSON */ }
  if (!res.ok) throw new Error((data && data.error) || `HTTP ${res.status}`);
  return data;
}

async function check(body, type, fromCamera) {
  if (busy) return;
  busy = true;
  if (!fromCamera) setError(T.checking);
  try {
    const r = await send(body, type);
    if (!r.found) {
      if (!fromCamera) setError(T.noCode);
      return;
    }
    setError('');
    stopCamera();
    showVerdict(r);
  } catch (e) {
    setError(e.message);
  } finally {
    busy = false;
  }
}

function grabFrame() {
  const v = $('video');
  if (!v.videoWidth) return;
  const c = $('frame');
  const scale = Math.min(1, 960 / Math.max(v.videoWidth, v.videoHeight));
  c.width = Math.round(v.videoWidth * scale);
  c.height = Math.round(v.videoHeight * scale);
  c.getContext('2d').drawImage(v, 0, 0, c.width, c.height);
  c.toBlob(b => { if (b) check(b, 'image/jpeg', true); }, 'image/jpeg', 0.85);
}

async function startCamera() {
  setError('');
  if (!window.isSecureContext || !navigator.mediaDevices) {
    setError(T.insecure);
    return;
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  } catch (e) {
    setError(T.noCamera + e.message);
    return;
  }
  const v = $('video');
  v.hidden = false;
  v.srcObject = stream;
  await v.play();
  $('camera-start').hidden = true;
  $('camera-stop').hidden = false;
  $('camera-state').textContent = T.looking;
  timer = setInterval(grabFrame, 500);
}

function stopCamera() {
  if (timer) clearInterval(timer);
  timer = null;
  if (stream) for (const t of stream.getTracks()) t.stop();
  stream = null;
  $('video').srcObject = null;
  $('video').hidden = true;
  $('camera-start').hidden = false;
  $('camera-stop').hidden = true;
  $('camera-state').textContent = '';
}

function pictureChosen(file) {
  if (file) check(file, file.type || 'application/octet-stream', false);
}

function fillClaims() {
  const kind = $('ask-kind').value;
  const box = $('ask-claims');
  for (const el of [...box.querySelectorAll('label')]) el.remove();
  for (const c of CLAIMS[kind]) {
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.value = c;
    label.append(input, ' ' + (T.labels[c] || c));
    box.appendChild(label);
  }
}

async function showRequest() {
  const claims = chosenClaims();
  if (!claims.length) { setError(T.askNone); return; }
  setError('');
  cancelRequest();
  try {
    const res = await fetch('/desk/request', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: $('ask-kind').value, claims }),
    });
    const r = await res.json();
    if (!res.ok) throw new Error(r.error || `HTTP ${res.status}`);
    request = r.request;
    $('ask-qr').src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(r.svg);
    $('ask-qr').alt = T.askNote;
    $('ask-active').hidden = false;
    $('camera-state').textContent = T.answering;
  } catch (e) {
    setError(e.message);
  }
}

function chosenClaims() {
  return [...$('ask-claims').querySelectorAll('input:checked')].map(i => i.value);
}

// OpenID4VP: the node signs a request by reference; the wallet fetches it, answers the node
// directly, and this page polls for the verdict.
async function askWallet() {
  const claims = chosenClaims();
  if (!claims.length) { setError(T.askNone); return; }
  setError('');
  cancelRequest();
  try {
    const res = await fetch('/desk/oid4vp', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: $('ask-kind').value, claims }),
    });
    const r = await res.json();
    if (!res.ok) throw new Error(r.error || `HTTP ${res.status}`);
    walletRequest = r.id;
    $('ask-qr').src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(r.svg);
    $('ask-qr').alt = T.walletNote;
    $('ask-note').textContent = T.walletNote;
    $('ask-link').href = r.link;
    $('ask-link').hidden = false;
    $('ask-active').hidden = false;
    $('camera-state').textContent = T.walletWaiting;
    walletTimer = setInterval(pollWallet, 1000);
  } catch (e) {
    setError(e.message);
  }
}

async function pollWallet() {
  if (!walletRequest) return;
  const id = walletRequest;
  try {
    const res = await fetch('/desk/oid4vp/' + encodeURIComponent(id));
    if (res.status === 404) { cancelRequest(); setError(T.walletExpired); return; }
    const r = await res.json();
    if (walletRequest !== id || r.status !== 'answered') return;
    cancelRequest();
    stopCamera();
    showVerdict(r);
  } catch (_) { /* the next poll tries again */ }
}

function cancelRequest() {
  walletRequest = null;
  if (walletTimer) clearInterval(walletTimer);
  walletTimer = null;
  $('ask-link').hidden = true;
  $('ask-link').removeAttribute('href');
  $('ask-note').textContent = T.askNote;
  request = null;
  $('ask-qr').removeAttribute('src');
  $('ask-active').hidden = true;
  $('camera-state').textContent = stream ? T.looking : '';
}

function next() {
  cancelRequest();
  clearVerdict();
  $('text').value = '';
  $('file').value = '';
  $('verdict-view').hidden = true;
  $('scan-view').hidden = false;
  setError('');
  $('camera-start').focus();
}

document.addEventListener('DOMContentLoaded', () => {
  translatePage();
  $('camera-start').addEventListener('click', startCamera);
  $('camera-stop').addEventListener('click', stopCamera);
  $('file').addEventListener('change', e => pictureChosen(e.target.files[0]));
  $('verify-text').addEventListener('click', () => {
    const t = $('text').value.trim();
    if (t) check(t, 'text/plain', false);
  });
  $('next').addEventListener('click', next);
  $('ask-kind').addEventListener('change', fillClaims);
  $('ask-show').addEventListener('click', showRequest);
  $('ask-wallet').addEventListener('click', askWallet);
  $('ask-cancel').addEventListener('click', cancelRequest);
  fillClaims();
  const drop = $('drop');
  drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', e => {
    e.preventDefault();
    drop.classList.remove('over');
    pictureChosen(e.dataTransfer.files[0]);
  });
  document.addEventListener('paste', e => {
    if (!$('verdict-view').hidden) return;
    const f = [...(e.clipboardData?.files || [])][0];
    if (f) { e.preventDefault(); pictureChosen(f); }
  });
});
