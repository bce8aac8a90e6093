// The citizen's wallet. It lists the credentials as cards, shows a chosen credential's QR code
// full-screen with a countdown, answers waiting presentation requests, claims new credentials
// with a letter's code and downloads an encrypted backup. Everything goes through the node's
// admin paths with the session cookie; nothing leaves the node but what the citizen shows.
'use strict';

const WORDS = {
  en: {
    title: 'My wallet', signOut: 'Lock', requests: 'Asking to see your credentials',
    cards: 'Your credentials', empty: 'Your wallet is empty. Enter the claim code from your letter below.',
    present: 'Show a credential', chooseClaims: 'Choose what to show', validFor: 'The code works for',
    showQr: 'Show the QR code', cancel: 'Cancel', claim: 'Get a credential',
    claimHint: 'Type the code from the letter your agency, clinic or school gave you, or the text under its QR code.',
    claimIssuer: 'Issuer (from the letter)', claimCode: 'Claim code', claimGo: 'Get it',
    claimPhoto: "Take a photo of the letter's QR code", reading: 'Reading the code…', notLetter: 'That QR code is not a claim letter\'s.',
    backup: 'Backup', backupHint: 'An encrypted copy of your wallet to keep somewhere safe. It opens only with the passphrase.',
    backupPass: 'Your wallet passphrase', backupKey: "Include the wallet's key (to restore on a new phone)",
    backupGo: 'Download the backup', close: 'Close', show: 'Show', issuedBy: 'Issued by ', received: 'Received ',
    status: { valid: 'Valid', revoked: 'Revoked', suspended: 'Suspended', expired: 'Expired', unsure: 'Status not confirmed', invalid: 'Not valid', checking: 'Checking…' },
    validLeft: 'Valid for ', expiredQr: 'This code has expired. Close it and make a new one.',
    asks: ' asks for ', approve: 'Show them', deny: 'Refuse', allShown: 'Your credential cannot hide claims: approving shows all of it.',
    approved: 'Shown.', denied: 'Refused.', claimed: 'Added to your wallet: ', noClaims: 'Choose at least one thing to show.',
    needCode: 'Enter the issuer and the claim code (or paste the text under the letter\'s QR code into the code field).',
    backupDone: 'Backup downloaded: ', backupNeedPass: 'Enter your wallet passphrase.', credentials: ' credentials',
    unverified: 'An unverified requester',
  },
  vi: {
    title: 'Ví của tôi', signOut: 'Khóa ví', requests: 'Đang yêu cầu xem giấy tờ của bạn',
    cards: 'Giấy tờ của bạn', empty: 'Ví đang trống. Nhập mã nhận trong thư của bạn ở bên dưới.',
    present: 'Xuất trình giấy tờ', chooseClaims: 'Chọn thông tin muốn cho xem', validFor: 'Mã có hiệu lực trong',
    showQr: 'Hiện mã QR', cancel: 'Hủy', claim: 'Nhận giấy tờ',
    claimHint: 'Nhập mã trong thư mà cơ quan, phòng khám hoặc trường học gửi bạn, hoặc dòng chữ dưới mã QR của thư.',
    claimIssuer: 'Đơn vị cấp (trong thư)', claimCode: 'Mã nhận', claimGo: 'Nhận',
    claimPhoto: 'Chụp mã QR trong thư', reading: 'Đang đọc mã…', notLetter: 'Mã QR này không phải mã trong thư nhận giấy tờ.',
    backup: 'Sao lưu', backupHint: 'Bản sao đã mã hóa của ví để cất giữ an toàn. Chỉ mở được bằng mật khẩu.',
    backupPass: 'Mật khẩu của ví', backupKey: 'Kèm khóa của ví (để khôi phục trên điện thoại mới)',
    backupGo: 'Tải bản sao lưu', close: 'Đóng', show: 'Xuất trình', issuedBy: 'Cấp bởi ', received: 'Nhận ngày ',
    status: { valid: 'Hợp lệ', revoked: 'Đã thu hồi', suspended: 'Tạm đình chỉ', expired: 'Hết hạn', unsure: 'Chưa xác nhận tình trạng', invalid: 'Không hợp lệ', checking: 'Đang kiểm tra…' },
    validLeft: 'Còn hiệu lực ', expiredQr: 'Mã đã hết hạn. Hãy đóng lại và tạo mã mới.',
    asks: ' yêu cầu xem ', approve: 'Đồng ý', deny: 'Từ chối', allShown: 'Giấy tờ này không ẩn được thông tin: đồng ý là cho xem toàn bộ.',
    approved: 'Đã cho xem.', denied: 'Đã từ chối.', claimed: 'Đã thêm vào ví: ', noClaims: 'Hãy chọn ít nhất một thông tin.',
    needCode: 'Nhập đơn vị cấp và mã nhận (hoặc dán dòng chữ dưới mã QR của thư vào ô mã).',
    backupDone: 'Đã tải bản sao lưu: ', backupNeedPass: 'Hãy nhập mật khẩu của ví.', credentials: ' giấy tờ',
    unverified: 'Một bên yêu cầu chưa được xác minh',
  },
};

const LANG = pickLanguage(WORDS);
const T = wordsFor(LANG, WORDS);
// The card being presented: {id, kind, claims}.
let chosen = null;
let countdown = null;


function call(method, path, body) {
  return callNode('/wallet', method, path, body);
}

function translatePage() {
  translateWords(LANG, T);
}

// A card's status in words, from the node's fresh check of the credential.
function statusOf(report) {
  if (!report) return 'invalid';
  if (report.verdict === 'valid') return 'valid';
  const failed = (report.checks || []).filter(c => c.result === 'fail');
  const status = failed.find(c => c.check === 'status');
  if (status) return /^revoked\b/.test(status.reason) ? 'revoked' : 'suspended';
  if (failed.some(c => c.check === 'validity_period')) return 'expired';
  if (report.verdict === 'cannot_be_sure') return 'unsure';
  return 'invalid';
}


async function loadCards() {
  const items = await call('GET', '/admin/wallet');
  $('empty').hidden = items.length > 0;
  const list = $('cards');
  list.replaceChildren();
  for (const item of items) {
    const li = el('li', 'card');
    li.dataset.id = item.id;
    const head = el('div', 'card-head');
    head.append(el('strong', '', T.kind[item.kind] || item.kind));
    const badge = el('span', 'badge checking', T.status.checking);
    head.append(badge);
    li.append(head);
    li.append(el('p', '', T.issuedBy + (item.issuerName || item.issuer)));
    li.append(el('p', 'muted', T.received + item.receivedAt.slice(0, 10)));
    const show = el('button', '', T.show);
    show.type = 'button';
    show.disabled = true;
    li.append(show);
    list.append(li);
    call('GET', '/admin/wallet/' + encodeURIComponent(item.id)).then(full => {
      const st = statusOf(full.report);
      badge.className = 'badge ' + st;
      badge.textContent = T.status[st];
      show.disabled = item.format !== 'sd-jwt' || st === 'revoked';
      show.onclick = () => choose(item, full.claims || {});
    }).catch(e => { badge.className = 'badge invalid'; badge.textContent = e.message; });
  }
}

function choose(item, claims) {
  chosen = { id: item.id, kind: item.kind };
  $('present-what').textContent = (T.kind[item.kind] || item.kind) + ' · ' + T.issuedBy + (item.issuerName || item.issuer);
  const box = $('present-claims');
  for (const old of box.querySelectorAll('label')) old.remove();
  for (const [name, value] of Object.entries(claims)) {
    if (name === 'id' || name === 'type') continue;
    const label = el('label', 'claim-choice');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.value = name;
    const shown = Array.isArray(value) ? value.map(v => say(name, v)).join('; ') : say(name, value);
    label.append(input, ' ', el('span', '', (T.labels[name] || name) + ': '), el('span', 'muted', shown));
    box.append(label);
  }
  $('present').hidden = false;
  $('present').scrollIntoView({ block: 'nearest' });
  $('present-show').focus();
}

async function showQr() {
  setError('');
  const claims = [...$('present-claims').querySelectorAll('input:checked')].map(i => i.value);
  if (!claims.length) { setError(T.noClaims); return; }
  const validFor = Number($('present-for').value);
  const a = await call('POST', '/admin/wallet/qr', { kinds: [chosen.kind], claims, validFor, credentialId: chosen.id });
  $('qr-img').src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(a.svg);
  $('qr-img').alt = T.kind[a.kind] || a.kind;
  $('qr-title').textContent = T.kind[a.kind] || a.kind;
  $('qr-claims').textContent = a.claims.map(c => T.labels[c] || c).join(' · ');
  $('wallet-view').hidden = true;
  $('qr-view').hidden = false;
  $('qr-view').classList.remove('expired');
  $('qr-title').focus();
  const end = Date.parse(a.expires);
  const tick = () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    if (left === 0) {
      $('qr-view').classList.add('expired');
      $('qr-countdown').textContent = T.expiredQr;
      $('qr-img').removeAttribute('src');
      clearInterval(countdown);
      return;
    }
    $('qr-countdown').textContent = T.validLeft + Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0');
  };
  clearInterval(countdown);
  tick();
  countdown = setInterval(tick, 1000);
}

function closeQr() {
  clearInterval(countdown);
  $('qr-img').removeAttribute('src');
  $('qr-view').hidden = true;
  $('wallet-view').hidden = false;
  $('present-show').focus();
}

async function loadRequests() {
  const waiting = await call('GET', '/admin/consents');
  $('requests').hidden = waiting.length === 0;
  const list = $('request-list');
  const seen = new Set(waiting.map(r => r.requestId || r.request_id));
  for (const li of [...list.children]) if (!seen.has(li.dataset.id)) li.remove();
  for (const r of waiting) {
    const id = r.requestId || r.request_id;
    if (list.querySelector(`[data-id="${CSS.escape(id)}"]`)) continue;
    const li = el('li', 'request');
    li.dataset.id = id;
    const who = r.verifierName || r.verifier_name;
    const kinds = (r.kinds || []).map(k => T.kind[k] || k).join(', ');
    const claims = (r.claims || []).map(c => T.labels[c] || c).join(', ');
    li.append(el('p', '', (who === 'unverified' ? T.unverified : who) + T.asks + [kinds, claims].filter(Boolean).join(': ')));
    li.append(el('p', 'mono muted', r.verifier));
    if (r.allClaimsShown || r.all_claims_shown) li.append(el('p', 'warn', T.allShown));
    const row = el('div', 'row');
    for (const [word, approve] of [[T.approve, true], [T.deny, false]]) {
      const b = el('button', approve ? '' : 'quiet', word);
      b.type = 'button';
      b.onclick = () => decide(id, approve).catch(e => setError(e.message));
      row.append(b);
    }
    li.append(row);
    list.append(li);
  }
}

async function decide(id, approve) {
  await call('POST', '/admin/consents/decide', { request_id: id, approve });
  setNote(approve ? T.approved : T.denied);
  await loadRequests();
}

async function claim() {
  setError('');
  let issuer = $('claim-issuer').value.trim();
  let code = $('claim-code').value.trim();
  const letter = /^VCCLAIM:([^/\s]+)\/(\S+)$/.exec(code);
  if (letter) { issuer = letter[1]; code = letter[2]; }
  if (!issuer || !code) { setError(T.needCode); return; }
  const got = await call('POST', '/admin/claim', { issuer, code, format: 'sd-jwt' });
  $('claim-code').value = '';
  setNote(T.claimed + (T.kind[got.kind] || got.kind));
  await loadCards();
}

async function backup() {
  setError('');
  const passphrase = $('backup-pass').value;
  if (!passphrase) { setError(T.backupNeedPass); return; }
  const r = await call('POST', '/admin/wallet/export', { passphrase, withKey: $('backup-key').checked });
  $('backup-pass').value = '';
  const blob = new Blob([JSON.stringify(r.file, null, 2)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `wallet-backup-${new Date().toISOString().slice(0, 10)}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  setNote(T.backupDone + r.count + T.credentials);
}

// A photo of a claim letter: the node reads its QR code; the claim form is filled in.
async function readLetter() {
  setError('');
  const file = $('claim-photo').files[0];
  if (!file) return;
  setNote(T.reading);
  const r = await fetch('/admin/read-qr', { method: 'POST', headers: { 'content-type': file.type || 'image/jpeg' }, body: file });
  const data = await r.json().catch(() => ({}));
  $('claim-photo').value = '';
  setNote('');
  if (!r.ok) throw new Error(data.message || data.error || `HTTP ${r.status}`);
  const letter = /^VCCLAIM:([^/\s]+)\/(\S+)$/.exec(data.text || '');
  if (!letter) throw new Error(T.notLetter);
  $('claim-issuer').value = letter[1];
  $('claim-code').value = letter[2];
  $('claim-go').focus();
}

document.addEventListener('DOMContentLoaded', () => {
  translatePage();
  $('present-show').onclick = guard(showQr);
  $('present-cancel').onclick = () => { $('present').hidden = true; chosen = null; };
  $('qr-close').onclick = closeQr;
  $('claim-go').onclick = guard(claim);
  $('claim-photo').onchange = guard(readLetter);
  $('backup-go').onclick = guard(backup);
  document.addEventListener('keydown', e => { if (e.key === 'Escape' && !$('qr-view').hidden) closeQr(); });
  guard(loadCards)();
  guard(loadRequests)();
  setInterval(guard(loadRequests), 3000);
});
