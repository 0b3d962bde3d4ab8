// Where the page runs decides how a tenant pays (UI.md): WeChat's in-app browser pays by JSAPI,
// another phone browser by Alipay's WAP page, a desktop shows a QR for any of the three.
export function where(agent = navigator.userAgent) {
  if (/MicroMessenger/i.test(agent)) return 'wechat';
  if (/Android|iPhone|iPad|iPod|Mobile|HarmonyOS/i.test(agent)) return 'phone';
  return 'desktop';
}
