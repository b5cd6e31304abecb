import { app, Menu, type MenuItemConstructorOptions } from 'electron'

export function installMenu(): void {
  const template: MenuItemConstructorOptions[] = [
    { label: 'File', submenu: [{ role: 'quit', label: 'Quit (containers keep running)' }] },
    { label: 'Edit', submenu: [{ role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    { label: 'View', submenu: [{ role: 'reload' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { role: 'togglefullscreen' }] },
    { label: 'Help', submenu: [{ label: `FDA Offline Console ${app.getVersion()}`, enabled: false }] }
  ]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}
